import type { StepType } from '@visapi/contracts';
import type { z } from 'zod';
import { type StepHandler, StepRegistry } from '../engine/step-types';
import { AddressGuard } from './address-guard';
import { delayConfigSchema, delayStep } from './delay/delay';
import { emailSendConfigSchema, emailSendStep } from './email/email-send';
import { httpRequestConfigSchema, httpRequestStep } from './http-request/http-request';
import { imageProcessConfigSchema, imageProcessStep } from './image/image-process';
import { BrowserPool } from './pdf/browser-pool';
import { pdfGenerateConfigSchema, pdfGenerateStep } from './pdf/pdf-generate';
import type { ConnectorDeps } from './ports';
import { slackSendConfigSchema, slackSendStep } from './slack/slack-send';
import { whatsappSendConfigSchema, whatsappSendStep } from './whatsapp/whatsapp-send';

/** A connector: its step type, the schema its config must match, and how the worker builds it. */
interface Connector {
  type: StepType;
  configSchema: z.ZodType;
  create(deps: ConnectorDeps): StepHandler;
}

/** Every connector, once: adding one is one folder and a line here. */
const CONNECTORS: readonly Connector[] = [
  { type: 'delay', configSchema: delayConfigSchema, create: () => delayStep },
  {
    type: 'http.request',
    configSchema: httpRequestConfigSchema,
    create: (deps) => httpRequestStep(new AddressGuard(deps.settings.httpAllowedHosts, 'http.request', deps.resolveHost)),
  },
  { type: 'slack.send', configSchema: slackSendConfigSchema, create: slackSendStep },
  { type: 'whatsapp.send', configSchema: whatsappSendConfigSchema, create: whatsappSendStep },
  { type: 'email.send', configSchema: emailSendConfigSchema, create: emailSendStep },
  {
    type: 'image.process',
    configSchema: imageProcessConfigSchema,
    create: (deps) => imageProcessStep(deps, new AddressGuard(deps.settings.httpAllowedHosts, 'image.process', deps.resolveHost)),
  },
  {
    type: 'pdf.generate',
    configSchema: pdfGenerateConfigSchema,
    // One pool per registry, i.e. per worker process: its Chromium starts on the first render.
    create: (deps) => pdfGenerateStep(deps, new BrowserPool({ chromiumPath: deps.settings.pdf.chromiumPath, concurrency: deps.settings.pdf.concurrency, sandbox: deps.settings.pdf.sandbox })),
  },
];

/**
 * The step types that have a connector, each with the schema its config must match: a saved
 * definition's literal config fields are checked against it (workflows/definition-validator.ts),
 * a run's rendered config by the step runner. A step type of the contracts' STEP_TYPES that is
 * not here is refused on save.
 */
export const CONNECTOR_CONFIG_SCHEMAS: ReadonlyMap<StepType, z.ZodType> = new Map(CONNECTORS.map((c) => [c.type, c.configSchema]));

/** Every step type the worker can run: the same connectors as above, each checked to be what its entry says. */
export function createStepRegistry(deps: ConnectorDeps): StepRegistry {
  return new StepRegistry(
    CONNECTORS.map((connector) => {
      const handler = connector.create(deps);
      if (handler.type !== connector.type || handler.configSchema !== connector.configSchema) {
        throw new Error(`connector ${connector.type}: its handler is ${handler.type}, with ${handler.configSchema === connector.configSchema ? 'the same' : 'another'} config schema`);
      }
      return handler;
    }),
  );
}
