import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp } from './app/create-app';
import { bootstrapAdminLink } from './auth/bootstrap-admin';
import { servesApi } from './app/app.module';
import { shutdown } from './app/shutdown';
import { ConfigError, loadConfig, ROLES, type Role } from './platform/config/config';
import { migrate } from './platform/db/migrate';
import { provideInfrastructure } from './platform/embedded/infrastructure';
import { createLogger } from './platform/logger/logger';
import { checkRedisDurability } from './platform/redis/durability';
import { createRuntime } from './platform/runtime';
import { seedDemo } from './seed/demo';
import { seed } from './seed/seed';

async function main() {
  const { values } = parseArgs({ options: { role: { type: 'string' } }, allowPositionals: false });
  if (values.role !== undefined && !ROLES.includes(values.role as Role)) {
    throw new ConfigError(`Invalid --role "${values.role}": use one of ${ROLES.join(', ')}`);
  }
  const config = loadConfig(process.env, { role: values.role as Role | undefined });
  const role = config.VISAPI_ROLE;
  const logger = createLogger(config);
  const infra = await provideInfrastructure(config, logger);
  const runtime = createRuntime(config, logger, infra);

  let stopping: Promise<void> | undefined;
  try {
    if (config.MIGRATE_ON_START) {
      await migrate(infra.databaseUrl, logger);
      await seed(runtime);
    }
    const bootCheck = runtime.redis.create('command', 'visapi:boot-check');
    await checkRedisDurability(bootCheck, logger);
    bootCheck.disconnect();
    const app = await createApp(runtime, { role });
    const port = servesApi(role) ? config.PORT : config.WORKER_METRICS_PORT;
    const host = servesApi(role) ? config.HOST : '0.0.0.0';
    await app.listen({ port, host });
    const address = app.getHttpServer().address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    logger.info(
      { role, port: boundPort, embedded: infra.embedded },
      servesApi(role)
        ? `VisAPI ${role} listening on ${config.PUBLIC_URL.replace(`:${config.PORT}`, `:${boundPort}`)}`
        : `VisAPI worker running; health on http://${host}:${boundPort}/healthz`,
    );

    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // npm forwards a terminal's Ctrl-C, so one keypress can arrive twice: only a
        // signal well after the first means "stop now".
        if (Date.now() - firstSignalAt < 2_000) return;
        logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
        process.exit(1);
      }
      firstSignalAt = Date.now();
      logger.info({ signal }, 'shutting down');
      stopping = shutdown(app, runtime, role, infra.release).then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);

    if (servesApi(role)) {
      await announceFirstStart(app, runtime).catch((error: unknown) => {
        if (!stopping) logger.error({ err: error }, 'first-start setup failed');
      });
    }
  } catch (error) {
    await infra.release().catch(() => undefined);
    throw error;
  }
}

/** SPEC §1: on a fresh install, the demo workflow's webhook and an admin sign-in link. */
async function announceFirstStart(app: Parameters<typeof seedDemo>[0], runtime: Parameters<typeof seedDemo>[1]) {
  const demo = await seedDemo(app, runtime);
  if (demo) process.stdout.write(`\n${demo}\n`);
  const link = await bootstrapAdminLink(app, runtime);
  if (link) {
    process.stdout.write(
      `\nFirst start: no admin yet. Sign in as admin (the link works once, for 15 minutes):\n\n  ${link}\n\n` + 'A new link: npx visapi auth:link EMAIL\n\n',
    );
  }
}

main().catch((error: unknown) => {
  // One clear line for the operator; the stack only when it is our bug.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`visapi: ${message}\n`);
  if (!(error instanceof ConfigError) && process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
});
