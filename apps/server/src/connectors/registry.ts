import { StepRegistry } from '../engine/step-types';
import { AddressGuard } from './address-guard';
import { delayStep } from './delay/delay';
import { emailSendStep } from './email/email-send';
import { httpRequestStep } from './http-request/http-request';
import type { ConnectorDeps } from './ports';
import { slackSendStep } from './slack/slack-send';
import { whatsappSendStep } from './whatsapp/whatsapp-send';

/** Every step type the worker can run: adding a connector is one folder and one line here. */
export function createStepRegistry(deps: ConnectorDeps): StepRegistry {
  return new StepRegistry([
    delayStep,
    httpRequestStep(new AddressGuard(deps.settings.httpAllowedHosts, 'http.request', deps.resolveHost)),
    slackSendStep(deps),
    whatsappSendStep(deps),
    emailSendStep(deps),
  ]);
}
