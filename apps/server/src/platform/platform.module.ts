import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Runtime } from './runtime';

export const RUNTIME = Symbol('RUNTIME');
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const DATABASE = Symbol('DATABASE');
export const REDIS = Symbol('REDIS');
/** The DataCipher (DATA_ENCRYPTION_KEY). */
export const CIPHER = Symbol('CIPHER');

/** Makes the process Runtime injectable: @Inject(CONFIG), @Inject(DATABASE), ... */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const providers = [
      { provide: RUNTIME, useValue: runtime },
      { provide: CONFIG, useValue: runtime.config },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: DATABASE, useValue: runtime.database },
      { provide: REDIS, useValue: runtime.redis },
      { provide: CIPHER, useValue: runtime.cipher },
    ];
    return { module: PlatformModule, providers, exports: providers.map((p) => p.provide) };
  }
}
