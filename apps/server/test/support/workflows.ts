import type { Workflow, WorkflowDefinitionInput } from '@visapi/contracts';
import { expect } from 'vitest';
import type { TestApp } from './test-app';

let n = 0;

/** Who calls: an API key, or a request's headers (a session's, as `sessionHeaders` makes them). */
export type Caller = string | Record<string, string>;

const headersOf = (auth: Caller): Record<string, string> => (typeof auth === 'string' ? { 'x-api-key': auth } : auth);

/**
 * Creates a workflow through POST /api/v1/workflows (asserting 201) and returns it. `def` replaces
 * the defaults: a unique name, version 1.0.0, a manual trigger, one 1 ms delay step. For set-up;
 * a test about the create call itself (its other answers) injects the request.
 */
export async function createWorkflow(t: TestApp, auth: Caller, def: Partial<WorkflowDefinitionInput> = {}): Promise<Workflow> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/workflows',
    headers: headersOf(auth),
    payload: { name: `flow ${++n}`, version: '1.0.0', triggers: [{ type: 'manual' }], steps: [{ id: 'wait', type: 'delay', config: { ms: 1 } }], ...def },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The triggers of a workflow called through POST /api/v1/triggers/{key}. */
export const webhookTrigger = (key: string) => ({ triggers: [{ type: 'webhook' as const, key }] });
