import type { PutTemplate, TemplateChannel } from '@visapi/contracts';
import os from 'node:os';
import path from 'node:path';
import type { ConnectorDeps, ConnectorSettings, HostResolver, MessageTemplate, ObjectStorage, Outbox, OutboxEntry, TemplateSource } from '../../../src/connectors/ports';
import { IMAGE_DEFAULTS } from '../../../src/connectors/image/image-process';
import { createStepRegistry } from '../../../src/connectors/registry';
import { StepError } from '../../../src/engine/errors';
import { StepRunner } from '../../../src/engine/step-runner';
import type { StepRegistry } from '../../../src/engine/step-types';
import { TemplateRenderer, type TemplateScope } from '../../../src/engine/templating';
import { LocalStorage } from '../../../src/storage/local-storage';
import { FileLinkSigner } from '../../../src/storage/signed-url';
import { SHIPPED_TEMPLATES } from '../../../src/templates/shipped-templates';
import { localeChain } from '../../../src/templates/template-registry';

/**
 * In-memory implementations of the connectors' ports, for contract tests that need neither
 * PostgreSQL nor Redis: the templates the seed ships (plus any a test puts), looked up with the
 * registry's locale chain, and an outbox that keeps what it is given.
 */
export class MemoryTemplates implements TemplateSource {
  private readonly templates = new Map<string, MessageTemplate>();

  constructor(
    private readonly defaultLocale = 'en',
    shipped: PutTemplate[] = SHIPPED_TEMPLATES,
  ) {
    for (const template of shipped) this.put(template);
  }

  /** Adds a template, or its next version. */
  put(template: PutTemplate): void {
    const key = keyOf(template.name, template.channel, template.locale);
    const version = (this.templates.get(key)?.version ?? 0) + 1;
    this.templates.set(key, { name: template.name, channel: template.channel, locale: template.locale, subject: template.subject ?? null, body: template.body, providerRef: template.providerRef ?? null, version });
  }

  async resolve(name: string, channel: TemplateChannel, locale?: string): Promise<MessageTemplate | undefined> {
    for (const candidate of localeChain(locale?.trim() || undefined, this.defaultLocale)) {
      const found = this.templates.get(keyOf(name, channel, candidate));
      if (found) return found;
    }
    return undefined;
  }
}

const keyOf = (name: string, channel: string, locale: string) => `${channel}\u0000${name}\u0000${locale.toLowerCase()}`;

export class MemoryOutbox implements Outbox {
  readonly entries: Array<OutboxEntry & { id: string }> = [];

  async record(entry: OutboxEntry): Promise<{ id: string }> {
    const id = crypto.randomUUID();
    this.entries.push({ ...structuredClone(entry), id });
    return { id };
  }

  find(id: string) {
    return this.entries.find((e) => e.id === id);
  }
}

type Settings = ConnectorSettings;
export interface SettingsOverrides {
  httpAllowedHosts?: string[];
  defaultLocale?: string;
  slack?: Partial<Settings['slack']>;
  whatsapp?: { provider?: Settings['whatsapp']['provider']; cgb?: Partial<Settings['whatsapp']['cgb']>; meta?: Partial<Settings['whatsapp']['meta']> };
  email?: Partial<Settings['email']>;
  image?: Partial<Settings['image']>;
  pdf?: Partial<Settings['pdf']>;
}

/** What a connector is built with when nothing is configured (every message goes to the outbox). */
export function settingsWith(overrides: SettingsOverrides = {}): ConnectorSettings {
  const whatsapp = overrides.whatsapp ?? {};
  return {
    httpAllowedHosts: overrides.httpAllowedHosts ?? [],
    defaultLocale: overrides.defaultLocale ?? 'en',
    slack: { apiUrl: 'https://slack.com/api', ...overrides.slack },
    whatsapp: {
      provider: whatsapp.provider ?? 'cgb',
      cgb: { apiUrl: 'https://app.chatgptbuilder.io/api', phoneFieldId: 'phone', ...whatsapp.cgb },
      meta: { apiUrl: 'https://graph.facebook.com/v21.0', ...whatsapp.meta },
    },
    email: { from: 'VisAPI <no-reply@localhost>', ...overrides.email },
    image: { ...IMAGE_DEFAULTS, ...overrides.image },
    pdf: { concurrency: 2, ...overrides.pdf },
  };
}

/** A step registry on in-memory ports: `registry.get('slack.send')!.execute(...)`. Pass templates or an outbox to share them between registries. */
export function memoryConnectors(
  settings: ConnectorSettings = settingsWith(),
  ports: { resolveHost?: HostResolver; templates?: MemoryTemplates; outbox?: MemoryOutbox; storage?: ObjectStorage } = {},
) {
  const templates = ports.templates ?? new MemoryTemplates(settings.defaultLocale);
  const outbox = ports.outbox ?? new MemoryOutbox();
  const storage = ports.storage ?? temporaryStorage();
  const deps: ConnectorDeps = { settings, templates, outbox, renderer: new TemplateRenderer(), storage, resolveHost: ports.resolveHost };
  return { registry: createStepRegistry(deps), templates, outbox, storage };
}

/** The real local storage driver in a folder of its own under the system's temp dir. */
export function temporaryStorage(publicUrl = 'http://localhost:3000'): LocalStorage {
  const dir = path.join(os.tmpdir(), `visapi-storage-${process.pid}-${crypto.randomUUID()}`);
  return new LocalStorage(dir, publicUrl, new FileLinkSigner(crypto.randomUUID()));
}

/** What a handler gets besides its config. */
export const stepContext = (stepId = 'notify') => ({ signal: new AbortController().signal, runId: '00000000-0000-4000-8000-000000000001', stepId, attempt: 1 });

/** A resolver that answers every name with these addresses (a name an attacker points at us). */
export const resolvingTo =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

/** The StepError a promise fails with. */
export async function failure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StepError)) throw new Error(`expected a StepError, got ${String(error)}`);
  return error;
}

const scope: TemplateScope = { input: {}, vars: {}, steps: {}, run: { id: 'r', workflowId: 'w', triggeredAt: '' } };

/** One attempt of a step through the step runner (config rendered and checked against the connector's schema). */
export const runStep = (registry: StepRegistry, type: string, config: Record<string, unknown>, input: unknown = {}) =>
  new StepRunner(registry, new TemplateRenderer()).attempt({ id: 'bad', type: type as 'slack.send', retries: 0, timeout: 5_000, config }, { ...scope, input }, { runId: 'r', attempt: 1 });
