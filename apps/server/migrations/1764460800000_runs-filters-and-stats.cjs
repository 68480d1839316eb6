/**
 * GET /api/v1/runs?triggerType= lists newest first within the filter, as the other filters do;
 * GET /api/v1/runs/stats reads the newest dead or failed runs, and the runs failed (waiting for a
 * retry) in a window, by when they last changed (only failures are in that index: it stays small).
 *
 * `runs` is the biggest and busiest table: a plain CREATE INDEX would stop every insert and
 * update of runs (the workers) for as long as the build takes, so both are built CONCURRENTLY.
 * That cannot run in a transaction, and node-pg-migrate runs an SQL file in one: hence this one
 * migration in JavaScript. A build that was interrupted leaves an invalid index: dropped first.
 */
const INDEXES = {
  runs_trigger_type_idx: 'ON runs (trigger_type, created_at DESC, id DESC)',
  runs_failures_idx: "ON runs (updated_at DESC, id DESC) WHERE status IN ('dead', 'failed')",
};

exports.up = (pgm) => {
  pgm.noTransaction();
  for (const [name, definition] of Object.entries(INDEXES)) {
    pgm.sql(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    pgm.sql(`CREATE INDEX CONCURRENTLY ${name} ${definition}`);
  }
};

exports.down = (pgm) => {
  pgm.noTransaction();
  for (const name of Object.keys(INDEXES).reverse()) pgm.sql(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
};
