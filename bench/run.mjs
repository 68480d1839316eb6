// `npm run bench [-- NAME ...] [-- --duration=S]`: runs the named benchmarks (all by default)
// against instances it starts. DATABASE_URL / REDIS_URL are used when set; otherwise the
// embedded defaults under .visapi/bench.
import { main as abGateways } from './ab-gateways.mjs';
import { main as authOverhead } from './auth-overhead.mjs';
import { main as events } from './events.mjs';
import { main as indexCost } from './index-cost.mjs';
import { main as ingestion } from './ingestion.mjs';
import { main as logsDepth } from './logs-depth.mjs';
import { main as pdf } from './pdf.mjs';
import { main as soak } from './soak.mjs';

const BENCHES = { ingestion, 'auth-overhead': authOverhead, 'logs-depth': logsDepth, events, pdf, soak, 'index-cost': indexCost, 'ab-gateways': abGateways };
/** Run when no name is given: the soak takes 30 minutes, index-cost (for schema changes) and ab-gateways (two builds compared) run only when asked. */
const DEFAULT = ['ingestion', 'auth-overhead', 'logs-depth', 'events', 'pdf'];
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names.length ? names : DEFAULT) {
  if (!BENCHES[name]) {
    console.error(`unknown benchmark "${name}": ${Object.keys(BENCHES).join(', ')}`);
    process.exit(1);
  }
  console.log(`\n=== ${name}`);
  await BENCHES[name](args);
}
