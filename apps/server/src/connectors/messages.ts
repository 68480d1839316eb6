import { asStepError, permanent, StepError, transient } from '../engine/errors';
import type { PartialLookup, TemplateScope } from '../engine/templating';
import type { TemplateChannel } from '@visapi/contracts';
import type { ConnectorDeps, MessageTemplate } from './ports';

export interface MessageRequest {
  /** A registered template's name (SPEC §8)… */
  template?: string;
  /** …or inline text, already rendered by the step's config templating and sent as is. */
  text?: string;
  subject?: string;
  locale?: string;
  variables?: Record<string, unknown>;
}

export interface ComposedMessage {
  text: string;
  subject?: string;
  /** Set when the text came from the registry. */
  template?: Pick<MessageTemplate, 'name' | 'locale' | 'version' | 'providerRef'>;
  /**
   * The variables the template outputs (`name`, or a path such as `input.applicant.firstName`),
   * in the order it first outputs them, leaving out those the render had no value for (a part
   * under `{% if %}` left out): the WhatsApp body parameters.
   */
  parameters: string[];
  /** Each parameter's value as text. */
  values: Record<string, string>;
}

const VARIABLE = /\{\{-?\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g;

/**
 * The text a connector sends: the template's body for the best locale, rendered under strict
 * Liquid (a missing variable is a permanent error) with the step's `variables` — exactly those —
 * or, when the step gives none, the run's scope (`input`, `vars`, `steps`, `run`: what the
 * step's config could reach); or the step's inline text.
 */
export async function composeMessage(deps: ConnectorDeps, channel: TemplateChannel, request: MessageRequest, scope?: Readonly<TemplateScope>): Promise<ComposedMessage> {
  const variables: Record<string, unknown> = request.variables ?? (scope ? { ...scope } : {});
  if (request.template) {
    const found = await deps.templates.resolve(request.template, channel, request.locale);
    if (!found) {
      throw permanent(`no ${channel} template "${request.template}" for locale ${request.locale ?? deps.settings.defaultLocale} (nor its language or ${deps.settings.defaultLocale})`);
    }
    const partials = registryPartials(deps, channel, request.locale);
    return {
      text: await render(deps, found.body, variables, partials, `template ${found.name}/${found.channel}/${found.locale}`),
      subject: found.subject ? await render(deps, found.subject, variables, partials, `subject of template ${found.name}/${found.locale}`) : request.subject,
      template: { name: found.name, locale: found.locale, version: found.version, providerRef: found.providerRef },
      ...parametersOf(found.body, variables),
    };
  }
  // Not rendered again: the config was rendered once, and a value that came from the input
  // (say a name containing "{{") must never be evaluated as a template.
  if (request.text === undefined) throw permanent('the step needs a template or a text');
  return { text: request.text, subject: request.subject, parameters: [], values: {} };
}

function parametersOf(body: string, variables: Record<string, unknown>): Pick<ComposedMessage, 'parameters' | 'values'> {
  const values: Record<string, string> = {};
  for (const [, path] of body.matchAll(VARIABLE)) {
    if (Object.hasOwn(values, path!)) continue;
    const value = valueAt(variables, path!);
    if (value !== undefined && value !== null) values[path!] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return { parameters: Object.keys(values), values };
}

function valueAt(variables: Record<string, unknown>, path: string): unknown {
  let value: unknown = variables;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `{% render 'letterhead' %}` in a template: the registry's template of that name, same channel and locale chain. */
export function registryPartials(deps: ConnectorDeps, channel: TemplateChannel, locale: string | undefined): PartialLookup {
  return async (name) => {
    try {
      return (await deps.templates.resolve(name, channel, locale))?.body;
    } catch (error) {
      throw transient(`cannot look up the partial template "${name}": ${(error as Error).message}`, undefined, error);
    }
  };
}

async function render(deps: ConnectorDeps, text: string, variables: Record<string, unknown>, partials: PartialLookup, what: string): Promise<string> {
  try {
    return await deps.renderer.renderText(text, variables, partials);
  } catch (error) {
    const failure = asStepError(error);
    throw new StepError(failure.errorClass, `${what}: ${failure.message}`, failure.retryAfterMs, { cause: error });
  }
}
