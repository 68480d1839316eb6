import type { StepType } from '@visapi/contracts';
import type { z } from 'zod';
import { StepRegistry } from '../engine/step-types';
import { AddressGuard } from './address-guard';
import { delayConfigSchema, delayStep } from './delay/delay';
import { emailSendConfigSchema, emailSendStep } from './email/email-send';
import { httpRequestConfigSchema, httpRequestStep } from './http-request/http-request';
import type { ConnectorDeps } from './ports';
import { slackSendConfigSchema, slackSendStep } from './slack/slack-send';
import { whatsappSendConfigSchema, whatsappSendStep } from './whatsapp/whatsapp-send';

/**
 * The step types that have a connector, each with the schema its config must match: a saved
 * definition's literal config fields are checked against it (workflows/definition-validator.ts),
 * a run's rendered config by the step runner. A step type of the contracts' STEP_TYPES that is
 * not here is refused on save.
 */
export const CONNECTOR_CONFIG_SCHEMAS: ReadonlyMap<StepType, z.ZodType> = new Map<StepType, z.ZodType>([
  ['delay', delayConfigSchema],
  ['http.request', httpRequestConfigSchema],
  ['slack.send', slackSendConfigSchema],
  ['whatsapp.send', whatsappSendConfigSchema],
  ['email.send', emailSendConfigSchema],
]);

/** Every step type the worker can run: adding a connector is one folder and a line here and above. */
export function createStepRegistry(deps: ConnectorDeps): StepRegistry {
  return new StepRegistry([
    delayStep,
    httpRequestStep(new AddressGuard(deps.settings.httpAllowedHosts, 'http.request', deps.resolveHost)),
    slackSendStep(deps),
    whatsappSendStep(deps),
    emailSendStep(deps),
  ]);
}
