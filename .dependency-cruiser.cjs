// What may import what (docs/architecture.md, "What may import what"), checked by `npm run lint`
// (`npm run lint:deps`). Paths are relative to the directory dependency-cruiser runs in: the
// repository root, or a fixture laid out like it (apps/server/test/dependency-rules.test.ts).
const SRC = '^apps/server/src';
/** The rooms that are not features: wiring (app/, seed/), shared plumbing, the pure core. */
const NOT_FEATURES = `${SRC}/(app|seed|platform|engine|connectors)/`;
/**
 * What a feature keeps to itself: its repositories (its SQL), controllers, DTOs, and the
 * modules that mount routes or job handlers. Another feature reaches it through its services
 * and its `*-core.module.ts` (or a named helper such as workflows/workflow-catalog.ts).
 */
const FEATURE_INTERNALS = `${SRC}/.+(\\.repository|\\.controller|\\.dto|-api\\.module|-worker\\.module)\\.ts$`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import cycles between files. A cycle made only of type imports (a connector declaring the interface its clients implement) vanishes at compile time and is allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-folders',
      comment: 'No cycles between folders (features, platform, engine...), type imports included: auth → users → auth is a cycle even when one side imports only types.',
      severity: 'error',
      scope: 'folder',
      from: { path: `${SRC}/` },
      to: { circular: true },
    },
    {
      name: 'feature-internals',
      comment: "A feature imports another feature only through its services or its *-core.module.ts: never its repository, controller, DTOs, or *-api / *-worker module.",
      severity: 'error',
      from: { path: `${SRC}/([^/]+)/`, pathNot: NOT_FEATURES },
      to: { path: FEATURE_INTERNALS, pathNot: `${SRC}/$1/` },
    },
    {
      name: 'core-module-without-routes',
      comment: 'A *-core.module.ts is what other features and the worker import: it mounts no routes (controllers belong in *-api.module.ts).',
      severity: 'error',
      from: { path: '-core\\.module\\.ts$' },
      to: { path: '\\.controller\\.ts$' },
    },
    {
      name: 'engine-and-connectors-stay-pure',
      comment: 'engine/ and connectors/ import neither Nest nor the database layer (platform/db, kysely, pg): they are unit-tested without either.',
      severity: 'error',
      from: { path: `${SRC}/(engine|connectors)/` },
      to: { path: ['(^|/)node_modules/(@nestjs/|kysely/|pg/|pg-)', `${SRC}/platform/db/`] },
    },
    {
      name: 'engine-imports-only-engine',
      comment: 'engine/ is the framework-free core: it imports no other folder of the server (connectors/ plug into it through engine/step-types.ts).',
      severity: 'error',
      from: { path: `${SRC}/engine/` },
      to: { path: `${SRC}/`, pathNot: `${SRC}/engine/` },
    },
    {
      name: 'connectors-import-only-engine',
      comment: 'connectors/ import only engine/ and each other: what they need from the app comes through connectors/ports.ts.',
      severity: 'error',
      from: { path: `${SRC}/connectors/` },
      to: { path: `${SRC}/`, pathNot: `${SRC}/(engine|connectors)/` },
    },
    {
      name: 'platform-imports-no-feature',
      comment: 'platform/ is shared plumbing: it imports no feature (nor engine/ or connectors/).',
      severity: 'error',
      from: { path: `${SRC}/platform/` },
      to: { path: `${SRC}/`, pathNot: `${SRC}/platform/` },
    },
    {
      name: 'contracts-import-only-zod',
      comment: 'packages/contracts is shared with the dashboard: zod and itself only.',
      severity: 'error',
      from: { path: '^packages/contracts/src/' },
      to: { pathNot: ['^packages/contracts/src/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'dashboard-not-server',
      comment: 'The dashboard talks to the server over HTTP only.',
      severity: 'error',
      from: { path: '^apps/dashboard/' },
      to: { path: ['^apps/server/', '(^|/)node_modules/@visapi/server/'] },
    },
  ],
  options: {
    doNotFollow: { path: ['(^|/)node_modules/', '^(apps|packages)/[^/]+/dist/'] },
    exclude: { path: ['\\.test\\.tsx?$', '(^|/)test-setup\\.ts$'] },
    // Type-only imports count: a cycle or a forbidden edge is one whether or not it survives compilation.
    tsPreCompilationDeps: true,
    // Absolute: run from a fixture directory, a relative name would be looked up there.
    tsConfig: { fileName: `${__dirname}/apps/server/tsconfig.json` },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
