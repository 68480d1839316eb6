import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutTemplate } from '@visapi/contracts';
import { createStepRegistry } from '../src/connectors/registry';
import type { StepRegistry } from '../src/engine/step-types';
import { TemplateRenderer } from '../src/engine/templating';
import { OutboxRepository } from '../src/outbox/outbox.repository';
import { seed } from '../src/seed/seed';
import { TemplateRegistry } from '../src/templates/template-registry';
import { TemplatesRepository } from '../src/templates/templates.repository';
import { settingsWith, failure, stepContext as context, temporaryStorage } from './support/providers/in-memory';
import { createTestApp, type TestApp } from './support/test-app';
import { createTestInfra, type TestInfra } from './support/test-infra';

/**
 * The connectors on the real ports: the template registry (PostgreSQL, its cache cleared
 * through Redis) and the outbox table. Each connector's contract with its provider is tested
 * beside its code (src/connectors/<name>/<name>.test.ts) on in-memory ports.
 */
let infra: TestInfra;
let t: TestApp;

beforeAll(async () => {
  infra = await createTestInfra();
  t = await createTestApp(infra, { role: 'worker' });
  await seed(t.runtime);
});
afterAll(async () => {
  await t?.close();
  await infra?.cleanup();
});

/** Sandboxed (no credentials): every message lands in the outbox. */
function registry(): StepRegistry {
  return createStepRegistry({ settings: settingsWith(), templates: t.app.get(TemplateRegistry), outbox: t.app.get(OutboxRepository), renderer: new TemplateRenderer(), storage: temporaryStorage() });
}

async function putTemplate(template: PutTemplate) {
  await t.app.get(TemplatesRepository).upsert(template, null);
  await t.app.get(TemplateRegistry).changed();
}

describe('the outbox', () => {
  it('keeps a sandboxed message as the connector rendered it, with its run, step and recipient', async () => {
    const result = (await registry().get('slack.send')!.execute({ channel: '#visa-ops', template: 'visa_approved', variables: { applicationId: 'A-1', country: 'Japan' } }, context('sandboxed'))) as { outboxId: string };
    expect(result).toMatchObject({ channel: '#visa-ops', ts: null, sandbox: true });
    const [row] = await t.app.get(OutboxRepository).list({ runId: context().runId, connector: 'slack.send' }, 1);
    expect(row).toMatchObject({ id: result.outboxId, recipient: '#visa-ops', step_id: 'sandboxed' });
    expect(row!.payload).toMatchObject({ channel: '#visa-ops', text: ':white_check_mark: Visa approved: application A-1 (Japan)', template: { name: 'visa_approved', locale: 'en', version: 1 } });
  });
});

describe('template lookup', () => {
  it('falls back from he-IL to he to the default locale, and misses cleanly', async () => {
    const templates = t.app.get(TemplateRegistry);
    expect((await templates.resolve('visa_approved', 'slack', 'he-IL'))?.locale).toBe('he');
    expect((await templates.resolve('visa_approved', 'slack', 'fr-CA'))?.locale).toBe('en');
    expect((await templates.resolve('visa_approved', 'slack'))?.locale).toBe('en');
    expect(await templates.resolve('visa_approved', 'whatsapp', 'en')).toMatchObject({ channel: 'whatsapp' });
    expect(await templates.resolve('no_such_letter', 'pdf', 'en')).toBeUndefined();
  });
});

describe('registry templates and partials (issue 9 #5)', () => {
  const send = () => registry().get('slack.send')!; // sandboxed: the rendered text lands in the outbox
  const posted = async (stepId: string) => (await t.app.get(OutboxRepository).list({ runId: context().runId, connector: 'slack.send' }, 50)).find((r) => r.step_id === stepId)!.payload as { text: string };

  it('issue 9 #5: a registry template renders another registry template (same channel, locale chain) as a partial', async () => {
    await putTemplate({ name: 'letterhead', channel: 'slack', locale: 'en', body: 'VisAPI Consulate ({{ office }})' });
    await putTemplate({ name: 'letterhead', channel: 'slack', locale: 'he', body: 'קונסוליית VisAPI ({{ office }})' });
    await putTemplate({ name: 'letter', channel: 'slack', locale: 'en', body: '{% render "letterhead", office: office %}: application {{ applicationId }} approved' });
    await send().execute({ channel: '#ops', template: 'letter', variables: { office: 'Tel Aviv', applicationId: 'A-7' } }, context('partial-en'));
    expect((await posted('partial-en')).text).toBe('VisAPI Consulate (Tel Aviv): application A-7 approved');
    // he-IL: the letter falls back to en, its letterhead is the Hebrew one.
    await send().execute({ channel: '#ops', template: 'letter', locale: 'he-IL', variables: { office: 'TLV', applicationId: 'A-8' } }, context('partial-he'));
    expect((await posted('partial-he')).text).toBe('קונסוליית VisAPI (TLV): application A-8 approved');
  });

  it('issue 9 #5: a registry template that includes a server file fails permanently, without the file', async () => {
    const pkg = (await import('node:fs')).readFileSync('package.json', 'utf8');
    for (const [name, body] of [['reads_package', '{% include "package.json" %}'], ['reads_key', "{% render '.visapi/data-encryption.key' %}"], ['reads_layout', "{% layout '../package.json' %}x"]] as const) {
      await putTemplate({ name, channel: 'slack', locale: 'en', body });
      const error = await failure(send().execute({ channel: '#ops', template: name }, context(name)));
      expect(error.errorClass, name).toBe('permanent');
      expect(error.message, name).toMatch(/no template named "package.json"|is not a template name/);
      expect(error.message).not.toContain(pkg.slice(0, 30));
    }
  });
});

