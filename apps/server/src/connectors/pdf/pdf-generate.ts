import { pdfDocument } from '@visapi/contracts';
import { z } from 'zod';
import { asStepError, permanent, StepError, transient } from '../../engine/errors';
import type { StepHandler } from '../../engine/step-types';
import { registryPartials } from '../messages';
import type { ConnectorDeps } from '../ports';
import { downloadFilenameSchema, STEP_LINK_TTL_MS } from '../stored-files';
import { type BrowserPool, ChromiumMissingError } from './browser-pool';
import { pdfPageCount } from './pdf-pages';

export const pdfGenerateConfigSchema = z.object({
  template: z.string().min(1).max(100),
  /** The template's variables (often `"{{ input }}"`); rendered HTML-escaped into the template. */
  data: z.record(z.string(), z.unknown()).default({}),
  filename: downloadFilenameSchema.optional(),
  locale: z.string().min(2).max(35).optional(),
});

export type PdfGenerateConfig = z.infer<typeof pdfGenerateConfigSchema>;

/**
 * `pdf.generate`: the registry's `pdf` template for the locale (with fallback), rendered with
 * `data` HTML-escaped, printed to A4 by the worker's Chromium pool and stored. Result
 * `{url, key, bytes, pages, expiresAt}`, the link valid 24 h. Unknown template, template errors
 * and a missing Chromium are permanent; Chromium crashing or storage failing transient.
 */
export function pdfGenerateStep(deps: ConnectorDeps, pool: BrowserPool): StepHandler<PdfGenerateConfig> {
  return {
    type: 'pdf.generate',
    configSchema: pdfGenerateConfigSchema,
    close: () => pool.close(),
    async execute(config, context) {
      const found = await deps.templates.resolve(config.template, 'pdf', config.locale);
      if (!found) {
        throw permanent(`pdf.generate: no pdf template "${config.template}" for locale ${config.locale ?? deps.settings.defaultLocale} (nor its language or ${deps.settings.defaultLocale})`);
      }
      const body = await renderBody(deps, found.body, config, `template ${found.name}/pdf/${found.locale}`);
      const html = pdfDocument(body, found.locale);
      let pdf: Buffer;
      try {
        pdf = await pool.render(html, context.signal);
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        if (error instanceof ChromiumMissingError) throw permanent(`pdf.generate: ${error.message}`, error);
        throw transient(`pdf.generate: Chromium failed to print: ${(error as Error).message}`, undefined, error);
      }
      const filename = fileNameOf(config.filename ?? config.template);
      try {
        const stored = await deps.storage.put({ prefix: 'pdf', body: pdf, contentType: 'application/pdf', filename });
        const link = await deps.storage.signedUrl(stored.key, STEP_LINK_TTL_MS);
        return { url: link.url, key: stored.key, bytes: stored.bytes, pages: pdfPageCount(pdf) ?? null, expiresAt: link.expiresAt.toISOString() };
      } catch (error) {
        if (error instanceof StepError) throw error;
        throw transient(`pdf.generate: cannot store the PDF: ${(error as Error).message}`, undefined, error);
      }
    },
  };
}

async function renderBody(deps: ConnectorDeps, text: string, config: PdfGenerateConfig, what: string): Promise<string> {
  try {
    return await deps.renderer.renderHtmlText(text, config.data, registryPartials(deps, 'pdf', config.locale));
  } catch (error) {
    const failure = asStepError(error);
    throw new StepError(failure.errorClass, `pdf.generate: ${what}: ${failure.message}`, failure.retryAfterMs, { cause: error });
  }
}

const fileNameOf = (name: string) => (/\.pdf$/i.test(name) ? name : `${name}.pdf`);
