import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(__dirname, 'fixtures/dependency-rules');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser with the repository's rules in `cwd`; its violations as `rule: from → to`. */
function cruise(cwd: string, ...paths: string[]): string[] {
  const bin = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const result = spawnSync(process.execPath, [bin, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json', ...paths], { cwd, encoding: 'utf8' });
  expect(result.stdout, result.stderr).not.toBe('');
  const { summary } = JSON.parse(result.stdout) as { summary: { violations: Violation[] } };
  const short = (p: string) => p.replace(/^(\.\.\/)+node_modules\/((@[^/]+\/)?[^/]+).*$/, '$2');
  return summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${short(v.to)}`).sort();
}

describe('import rules (.dependency-cruiser.cjs, run by npm run lint)', () => {
  it('issue 10 #4: each deliberately wrong import of the fixture breaks its rule, and nothing else is flagged', () => {
    const src = 'apps/server/src';
    expect(cruise(FIXTURE, 'apps', 'packages')).toEqual(
      [
        `no-circular: ${src}/users/a.ts → ${src}/users/b.ts`,
        `no-circular-folders: ${src}/auth → ${src}/users`,
        `no-circular-folders: ${src}/users → ${src}/auth`,
        `feature-internals: ${src}/triggers/triggers.service.ts → ${src}/users/users.repository.ts`,
        `feature-internals: ${src}/triggers/triggers.service.ts → ${src}/users/users.controller.ts`,
        `feature-internals: ${src}/triggers/triggers.service.ts → ${src}/users/users-api.module.ts`,
        `core-module-without-routes: ${src}/users/users-core.module.ts → ${src}/users/users.controller.ts`,
        `engine-and-connectors-stay-pure: ${src}/engine/loop.ts → @nestjs/common`,
        `engine-and-connectors-stay-pure: ${src}/engine/loop.ts → ${src}/platform/db/database.ts`,
        `engine-and-connectors-stay-pure: ${src}/connectors/send.ts → kysely`,
        `engine-imports-only-engine: ${src}/engine/loop.ts → ${src}/platform/db/database.ts`,
        `engine-imports-only-engine: ${src}/engine/loop.ts → ${src}/users/users.service.ts`,
        `connectors-import-only-engine: ${src}/connectors/send.ts → ${src}/users/users.service.ts`,
        `platform-imports-no-feature: ${src}/platform/http/guard.ts → ${src}/users/users.service.ts`,
        `contracts-import-only-zod: packages/contracts/src/index.ts → fs`,
        `dashboard-not-server: apps/dashboard/src/page.ts → ${src}/users/users.service.ts`,
      ].sort(),
    );
  });
});
