import os from 'node:os';
import { FILE_EXTENSIONS, isStorageKey } from '@visapi/contracts';
import { z } from 'zod';
import { permanent, StepError } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import type { AddressGuard } from '../address-guard';
import { shownUrlText } from '../http-request/shown-url';
import type { ConnectorDeps } from '../ports';
import { abortable, Semaphore } from '../semaphore';
import { downloadFilenameSchema, STEP_LINK_TTL_MS } from '../stored-files';
import { fetchSource } from './fetch-source';
import { FITS, type ImageOp, inspect, OUTPUT_FORMATS, type Processed, transform } from './transform';

/**
 * Defaults of ConnectorSettings.image: the largest image decoded (a 40-megapixel decode takes
 * ~120–240 MB), the largest download, and how many sharp pipelines run at once per process.
 */
export const IMAGE_DEFAULTS = { maxInputPixels: 40_000_000, maxDownloadBytes: 25 * 1024 * 1024, concurrency: os.availableParallelism() } as const;
const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' } as const;

const side = z.coerce.number().int().min(1).max(16_384);
const offset = z.coerce.number().int().min(0).max(1_000_000);
const opSchema = z.discriminatedUnion('op', [
  z
    .strictObject({ op: z.literal('resize'), width: side.optional(), height: side.optional(), fit: z.enum(FITS).optional() })
    .refine((o) => o.width !== undefined || o.height !== undefined, { message: 'resize needs width, height or both' }),
  z
    .strictObject({ op: z.literal('crop'), strategy: z.preprocess((s) => (s === 'center' ? 'centre' : s), z.literal('centre').optional()), left: offset.optional(), top: offset.optional(), width: side, height: side })
    .refine((o) => (o.strategy === 'centre' ? o.left === undefined && o.top === undefined : o.left !== undefined && o.top !== undefined), {
      message: 'crop needs a box (left, top, width, height) or strategy "centre" with width and height',
    }),
  z.strictObject({ op: z.literal('format'), format: z.preprocess((f) => (typeof f === 'string' && f.toLowerCase() === 'jpg' ? 'jpeg' : typeof f === 'string' ? f.toLowerCase() : f), z.enum(OUTPUT_FORMATS)) }),
  z.strictObject({ op: z.literal('quality'), quality: z.coerce.number().int().min(1).max(100) }),
  z.strictObject({ op: z.literal('visaPhoto') }),
]);

export const imageProcessConfigSchema = z.object({
  /** An http(s) URL (through the address guard) or a storage key (`image/2026-11-30/<uuid>.jpg`, a pdf.generate's or an earlier image.process's `key`). */
  source: z.string().superRefine((text, ctx) => {
    const problem = sourceProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** The preset's name, or the ops in order. */
  ops: z.preprocess((ops) => (ops === 'visaPhoto' ? [{ op: 'visaPhoto' }] : ops), z.array(opSchema, { error: 'must be "visaPhoto" or a list of ops' }).min(1).max(10).superRefine(orderProblems)),
  /** The download name (the format's extension is added when missing). */
  filename: downloadFilenameSchema.optional(),
});

export type ImageProcessConfig = z.infer<typeof imageProcessConfigSchema>;

/**
 * `image.process` (SPEC §7): an image from a URL or from storage, through sharp, into storage →
 * `{url, key, width, height, bytes, format, quality?, expiresAt}` (url valid 24 h). A bad or
 * undecodable image, one over the pixel limit, a crop outside it, a missing key: permanent.
 * Downloads fail as http.request's calls do (5xx and timeouts transient, other 4xx permanent).
 */
export function imageProcessStep(deps: ConnectorDeps, guard: AddressGuard): StepHandler<ImageProcessConfig> {
  const { maxInputPixels, maxDownloadBytes, concurrency } = deps.settings.image;
  // One per registry, i.e. per worker process: each pipeline may decode tens of megapixels.
  const pipelines = new Semaphore(concurrency);
  return {
    type: 'image.process',
    configSchema: imageProcessConfigSchema,
    async execute(config, { signal }) {
      const body = await read(config.source, signal);
      aborted(signal);
      const release = await until(pipelines.acquire(signal), signal);
      // The slot is given back when sharp is done, not when the step stops waiting: a timed-out
      // step's pipeline still runs (sharp cannot be stopped) and still counts.
      const work = (async () => {
        try {
          const source = await inspect(body, maxInputPixels);
          aborted(signal);
          return await transform(source, config.ops as ImageOp[], maxInputPixels);
        } finally {
          release();
        }
      })();
      const processed = await until(work, signal);
      aborted(signal); // the step runner stopped waiting: store nothing
      const { key, bytes } = await deps.storage.put({ prefix: 'image', body: processed.body, contentType: CONTENT_TYPES[processed.format], filename: filenameOf(config.filename, processed) });
      const { url, expiresAt } = await deps.storage.signedUrl(key, STEP_LINK_TTL_MS);
      return { url, key, width: processed.width, height: processed.height, bytes, format: processed.format, ...(processed.quality === undefined ? {} : { quality: processed.quality }), expiresAt: expiresAt.toISOString() };
    },
  };

  async function read(source: string, signal: AbortSignal): Promise<Buffer> {
    if (!isStorageKey(source)) return fetchSource(new URL(source), guard, maxDownloadBytes, signal);
    const file = await deps.storage.get(source);
    aborted(signal);
    if (!file) throw permanent(`image.process: no stored file ${source} (never stored, or deleted after FILE_RETENTION_DAYS)`);
    return file.body;
  }
}

function aborted(signal: AbortSignal) {
  if (signal.aborted) throw signal.reason instanceof StepError ? signal.reason : new StepError('cancelled', 'image.process aborted');
}

/** `promise`, or the step's abort as soon as its signal fires. */
async function until<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await abortable(promise, signal);
  } catch (error) {
    aborted(signal);
    throw error;
  }
}

function filenameOf(name: string | undefined, processed: Processed): string {
  const ext = FILE_EXTENSIONS[CONTENT_TYPES[processed.format]]!;
  if (!name) return `image.${ext}`;
  const lower = name.toLowerCase();
  return lower.endsWith(`.${ext}`) || (ext === 'jpg' && lower.endsWith('.jpeg')) ? name : `${name}.${ext}`;
}

function sourceProblem(text: string): string | undefined {
  if (isStorageKey(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${JSON.stringify(shownUrlText(text))} is neither an http(s) URL nor a storage key`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'only http and https URLs (or a storage key)';
}

/** One pipeline: visaPhoto alone; at most one resize, one crop before it and one after, one format, one quality. */
function orderProblems(ops: Array<{ op: string }>, ctx: z.RefinementCtx) {
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (ops.some((o) => o.op === 'visaPhoto') && ops.length > 1) return problem('visaPhoto is a preset: it comes alone');
  for (const name of ['resize', 'format', 'quality']) {
    if (ops.filter((o) => o.op === name).length > 1) problem(`at most one ${name}`);
  }
  const resizeAt = ops.findIndex((o) => o.op === 'resize');
  const crops = ops.map((o, i) => (o.op === 'crop' ? i : -1)).filter((i) => i >= 0);
  const before = crops.filter((i) => resizeAt < 0 || i < resizeAt).length;
  if (before > 1 || crops.length - before > 1) problem('at most one crop before the resize and one after it');
}
