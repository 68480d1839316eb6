import { Injectable } from '@nestjs/common';
import { isRtlLocale, type ProblemFieldError, type TemplatePreview, type templatePreviewRequestSchema } from '@visapi/contracts';
import type { z } from 'zod';
import { StepError, transient } from '../engine/errors';
import { type PartialLookup, TemplateRenderer, TemplateTextError } from '../engine/templating';
import { ProblemException } from '../platform/http/problem';
import { TemplateRegistry } from './template-registry';

type PreviewRequest = z.output<typeof templatePreviewRequestSchema>;
type Rendered = { text: string; missing: string[] };

/**
 * POST /templates/preview: a draft rendered by the renderer the connectors use, with its
 * partials from the registry as a run would find them (channel, locale chain). Read-only.
 */
@Injectable()
export class TemplatePreviewService {
  constructor(
    private readonly registry: TemplateRegistry,
    private readonly renderer: TemplateRenderer,
  ) {}

  async preview(request: PreviewRequest): Promise<TemplatePreview> {
    const { channel, locale, variables } = request;
    const partials: PartialLookup = async (name) => {
      try {
        return (await this.registry.resolve(name, channel, locale))?.body;
      } catch (error) {
        throw transient(`cannot look up the partial template "${name}": ${(error as Error).message}`, undefined, error);
      }
    };
    const render = (text: string) => this.renderer.preview(text, variables, partials);
    const [subject, body] = await Promise.allSettled([request.subject == null ? Promise.resolve(null) : render(request.subject), render(request.body)]);

    const errors = [...fieldErrors('$.subject', subject), ...fieldErrors('$.body', body)];
    if (errors.length > 0) throw new ProblemException('unprocessable', 'The template does not render.', errors);
    const s = (subject as PromiseFulfilledResult<Rendered | null>).value;
    const b = (body as PromiseFulfilledResult<Rendered>).value;
    return {
      subject: s?.text ?? null,
      body: b.text,
      direction: isRtlLocale(locale) ? 'rtl' : 'ltr',
      missingVariables: [...new Set([...(s?.missing ?? []), ...b.missing])],
    };
  }
}

/** A text's error as a problem's field error; a failed partial lookup is the server's problem (503), not the template's. */
function fieldErrors(path: string, result: PromiseSettledResult<unknown>): ProblemFieldError[] {
  if (result.status === 'fulfilled') return [];
  const error: unknown = result.reason;
  if (error instanceof TemplateTextError) {
    return [{ path, message: error.message, ...(error.line !== undefined ? { line: error.line, column: error.column } : {}) }];
  }
  if (error instanceof StepError) throw new ProblemException('unavailable', error.message);
  throw error;
}
