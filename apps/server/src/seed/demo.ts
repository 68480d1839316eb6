import fs from 'node:fs';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { WorkflowDefinition } from '@visapi/contracts';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { REPO_ROOT } from '../platform/config/config';
import { withAdvisoryLock } from '../platform/db/advisory-lock';
import type { Runtime } from '../platform/runtime';
import { WorkflowsService } from '../workflows/workflows.service';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples/workflows');
export const DEMO_WEBHOOK_KEY = 'application-status-update';

/**
 * SPEC §1 first start: with no workflow at all yet, imports `examples/workflows/*.json`, makes
 * an API key that may trigger and read runs, and returns how to call the demo webhook with
 * it (printed once, like the admin link). Returns undefined on every later start.
 */
export async function seedDemo(app: INestApplicationContext, runtime: Runtime, examplesDir = EXAMPLES_DIR): Promise<string | undefined> {
  if (!fs.existsSync(examplesDir)) return undefined;
  // Several gateways starting at once: one seeds, the others find it done.
  return withAdvisoryLock(runtime.database.db, 'visapi:seed-demo', async () =>
    (await app.get(WorkflowsService).hasAny()) ? undefined : importExamples(app, runtime, examplesDir),
  );
}

async function importExamples(app: INestApplicationContext, runtime: Runtime, examplesDir: string): Promise<string | undefined> {
  const workflows = app.get(WorkflowsService);
  const imported: string[] = [];
  let demo: string | undefined;
  for (const file of fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      const definition = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as WorkflowDefinition;
      const workflow = await workflows.create(definition);
      imported.push(workflow.name);
      if (definition.triggers?.some((t) => t.type === 'webhook' && t.key === DEMO_WEBHOOK_KEY)) demo = workflow.name;
    } catch (error) {
      runtime.logger.warn({ err: error, file }, 'example workflow not imported');
    }
  }
  runtime.logger.info({ context: 'seed', workflows: imported }, 'example workflows imported');
  if (!demo) return undefined;
  const { key } = await app.get(ApiKeysService).create({ label: 'demo (made at first start)', scopes: ['trigger', 'read_runs'], expiresInDays: 30 });
  const url = `${runtime.config.PUBLIC_URL}/api/v1/triggers/${DEMO_WEBHOOK_KEY}`;
  const payload = JSON.stringify({ applicants: [{ name: 'Dana', phone: '+972501234567', locale: 'he-IL', applicationId: 'IL-2026-0042', status: 'approved' }] });
  return [
    `Demo workflow "${demo}" imported with ${imported.length - 1} other example(s) from examples/workflows.`,
    'Trigger its webhook (this key may trigger and read runs; it expires in 30 days and is not shown again):',
    '',
    `  curl -X POST ${url} \\`,
    `    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\`,
    `    -d '${payload}'`,
    '',
    'Without connector credentials the messages land in the outbox: GET /api/v1/outbox (dashboard: Outbox).',
  ].join('\n');
}
