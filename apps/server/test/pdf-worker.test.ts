import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepRegistry } from '../src/engine/step-types';
import { seed } from '../src/seed/seed';
import { stepContext as context } from './support/providers/in-memory';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/** pdf.generate in a real worker: the seeded letters from PostgreSQL, Chromium's lifetime tied to the worker's. */
let infra: TestInfra;
beforeAll(async () => {
  infra = await createTestInfra();
});
afterAll(() => infra?.cleanup());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const letter = { template: 'visa_approved', locale: 'he', data: { applicant: { firstName: 'דנה', lastName: 'לוי' }, applicationId: 'APP-9', country: 'יפן' } };

describe('pdf.generate in the worker', () => {
  let t: TestApp | undefined;
  afterAll(() => t?.close());

  it('renders a seeded letter, and the worker’s shutdown closes its Chromium', async () => {
    t = await createTestApp(infra, { role: 'worker' });
    await seed(t.runtime);
    const output = await t.app.get(StepRegistry).get('pdf.generate')!.execute(letter, context('letter'));
    expect(output).toMatchObject({ key: expect.stringMatching(/^pdf\//), pages: 1, bytes: expect.any(Number), url: expect.stringContaining('/files/') });
    const chromium = browserPids();
    expect(chromium.length).toBeGreaterThan(0);
    await t.close();
    expect(chromium.filter(alive)).toEqual([]);
  });

  it('no Chromium: the worker starts, warns naming the package and CHROMIUM_PATH, and the step fails permanently', async () => {
    const lines: string[] = [];
    const worker = await createTestApp(infra, { role: 'worker', env: { CHROMIUM_PATH: '/nonexistent/chromium' }, logTo: { write: (line: string) => void lines.push(line) } });
    try {
      const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('CHROMIUM_PATH'));
      expect(warning?.level).toBe(40);
      expect(warning?.msg).toContain('apt-get install chromium');
      const error = await worker.app.get(StepRegistry).get('pdf.generate')!.execute(letter, context('letter')).catch((e: unknown) => e);
      expect(error).toMatchObject({ errorClass: 'permanent', message: expect.stringContaining('chromium') });
    } finally {
      await worker.close();
    }
  });
});

/** This process's Chromium processes started for PDFs (their profile is a visapi-pdf-chromium-* folder). */
function browserPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('visapi-pdf-chromium-') && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
