import type { TemplateChannel } from '@visapi/contracts';
import type { TemplateRenderer } from '../engine/templating';

/** A template as the registry resolved it: the best locale it has for what was asked. */
export interface MessageTemplate {
  name: string;
  channel: TemplateChannel;
  locale: string;
  subject: string | null;
  body: string;
  /** WhatsApp: the provider's template name (meta) or flow id (cgb). */
  providerRef: string | null;
  version: number;
}

/** Looks templates up with locale fallback (`he-IL` → `he` → the default locale). */
export interface TemplateSource {
  resolve(name: string, channel: TemplateChannel, locale?: string): Promise<MessageTemplate | undefined>;
}

export interface OutboxEntry {
  connector: string;
  /** Null for a message no run made (a sandboxed refund, SPEC §10). */
  runId: string | null;
  stepId: string | null;
  recipient: string | null;
  payload: Record<string, unknown>;
}

/** Where sandboxed connectors put what they would have sent (SPEC §1, §7). */
export interface Outbox {
  record(entry: OutboxEntry): Promise<{ id: string }>;
}

/** The configuration connectors read, taken from the validated config at boot. */
export interface ConnectorSettings {
  httpAllowedHosts: string[];
  defaultLocale: string;
  slack: { botToken?: string; apiUrl: string; webhookUrl?: string };
  whatsapp: {
    provider: 'cgb' | 'meta';
    cgb: { apiUrl: string; apiKey?: string; phoneFieldId: string };
    meta: { apiUrl: string; token?: string; phoneNumberId?: string };
  };
  email: { smtpUrl?: string; from: string };
  /** image.process: images over maxInputPixels are refused before decoding; downloads over maxDownloadBytes are cut off; at most `concurrency` sharp pipelines at once per process. */
  image: { maxInputPixels: number; maxDownloadBytes: number; concurrency: number };
  /** pdf.generate's Chromium (found on PATH when unset) and renders at once per worker process. */
  pdf: { chromiumPath?: string; concurrency: number; sandbox?: 'auto' | 'on' | 'off' };
}

/** Resolves a host name to its addresses, as `dns.lookup(host, { all: true })` does. */
export type HostResolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

/** What a connector may use besides its rendered config. */
export interface ConnectorDeps {
  settings: ConnectorSettings;
  templates: TemplateSource;
  outbox: Outbox;
  renderer: TemplateRenderer;
  /** Where pdf.generate and image.process put their files. */
  storage: ObjectStorage;
  /** How guarded requests resolve names (the system resolver unless a test injects one). */
  resolveHost?: HostResolver;
}

/** A stored file's key (`<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`) and size. */
export interface StoredObject {
  key: string;
  bytes: number;
}

/** What a download serves: the bytes, their type, and the name the browser saves them under. */
export interface StoredFile {
  body: Buffer;
  contentType: string;
  filename: string;
}

/**
 * Object storage (SPEC §7): the `local` driver (a folder, links signed with FILE_SIGNING_KEY and
 * served by the gateway at /files/{key}) or `s3` (presigned links). Keys are made here, never
 * taken from data, so a workflow cannot name another file.
 */
export interface ObjectStorage {
  put(input: { prefix: string; body: Buffer; contentType: string; filename: string }): Promise<StoredObject>;
  get(key: string): Promise<StoredFile | undefined>;
  /** A download link valid for ttlMs (the file's filename in Content-Disposition). */
  signedUrl(key: string, ttlMs: number): Promise<{ url: string; expiresAt: Date }>;
  delete(key: string): Promise<void>;
  /** The lifecycle job: deletes files stored before `before`; returns how many. */
  deleteStoredBefore(before: Date): Promise<number>;
}
