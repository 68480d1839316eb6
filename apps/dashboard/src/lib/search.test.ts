import { logsQuerySchema } from '@visapi/contracts/logs';
import { runsQuerySchema } from '@visapi/contracts/runs';
import { describe, expect, it } from 'vitest';
import { searchFrom } from './search';

describe('searchFrom', () => {
  it('keeps valid filters and drops invalid ones and paging', () => {
    const validate = searchFrom(runsQuerySchema);
    expect(validate({ status: 'dead', workflowId: 'not-a-uuid', limit: 5, cursor: 'x', extra: 1 })).toEqual({ status: 'dead' });
    // Explicitly undefined, so the router's merge with the raw search does not bring them back.
    expect(validate({ workflowId: 'not-a-uuid', extra: 1 })).toStrictEqual({ workflowId: undefined, extra: undefined });
    expect(validate({ status: 'nope', triggerType: 'webhook', from: '2026-11-30T10:00:00Z' })).toEqual({ triggerType: 'webhook', from: '2026-11-30T10:00:00Z' });
  });
  it('trims text filters as the server would', () => {
    expect(searchFrom(logsQuerySchema)({ q: '  visa  ', level: 'warn' })).toEqual({ q: 'visa', level: 'warn' });
  });
});
