import { StepRegistry } from '../engine/step-types';
import { delayStep } from './delay/delay';
import { httpRequestStep } from './http-request/http-request';

export interface ConnectorSettings {
  httpAllowedHosts: string[];
}

/** Every step type the worker can run: adding a connector is one folder and one line here. */
export function createStepRegistry(settings: ConnectorSettings): StepRegistry {
  return new StepRegistry([delayStep, httpRequestStep(settings.httpAllowedHosts)]);
}
