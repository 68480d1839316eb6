import { describe, expect, it } from 'vitest';
import { desiredSchedules, nextFireTimes, scheduleId } from './cron-schedules';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron fire times across DST changes (the zone’s own rules)', () => {
  it('Asia/Jerusalem: 09:00 stays 09:00 local as the offset moves from +2 to +3 (27 March 2026) and back (25 October)', () => {
    expect(iso(nextFireTimes('0 9 * * *', 'Asia/Jerusalem', new Date('2026-03-25T12:00:00Z'), 3))).toEqual(['2026-03-26T07:00:00.000Z', '2026-03-27T06:00:00.000Z', '2026-03-28T06:00:00.000Z']);
    expect(iso(nextFireTimes('0 9 * * *', 'Asia/Jerusalem', new Date('2026-10-23T12:00:00Z'), 3))).toEqual(['2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z']);
  });

  it('Asia/Jerusalem: 02:30 does not exist on 27 March 2026; it fires once, at 03:30 local', () => {
    expect(iso(nextFireTimes('30 2 * * *', 'Asia/Jerusalem', new Date('2026-03-26T00:00:00Z'), 3))).toEqual(['2026-03-26T00:30:00.000Z', '2026-03-27T00:30:00.000Z', '2026-03-27T23:30:00.000Z']);
  });

  it('America/New_York: spring forward (8 March 2026) and fall back (1 November) fire once a day', () => {
    expect(iso(nextFireTimes('0 9 * * *', 'America/New_York', new Date('2026-03-06T20:00:00Z'), 3))).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    // 02:30 is skipped by the clock on 8 March: fired at 03:30 EDT, once
    expect(iso(nextFireTimes('30 2 * * *', 'America/New_York', new Date('2026-03-07T00:00:00Z'), 3))).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    // 01:30 happens twice on 1 November: fired at the first, not again an hour later
    expect(iso(nextFireTimes('30 1 * * *', 'America/New_York', new Date('2026-10-31T00:00:00Z'), 3))).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });
});

describe('desired schedules', () => {
  it('one per cron trigger of each workflow, keyed by workflow and trigger position, UTC by default', () => {
    const id = '6f1c1d1e-0000-4000-8000-000000000001';
    const desired = desiredSchedules([
      {
        id,
        definition: {
          name: 'x',
          version: '1.0.0',
          triggers: [{ type: 'manual' }, { type: 'cron', schedule: ' 0 9 * * 1-5 ', timezone: 'Asia/Jerusalem' }, { type: 'cron', schedule: '*/5 * * * *' }],
          steps: [{ id: 's', type: 'delay' }],
        },
      },
    ]);
    expect([...desired.values()]).toEqual([
      { id: scheduleId(id, 1), pattern: '0 9 * * 1-5', tz: 'Asia/Jerusalem', data: { v: 1, workflowId: id, triggerIndex: 1 } },
      { id: scheduleId(id, 2), pattern: '*/5 * * * *', tz: 'UTC', data: { v: 1, workflowId: id, triggerIndex: 2 } },
    ]);
  });
});
