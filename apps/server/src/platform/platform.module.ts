import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Runtime } from './runtime';

export const RUNTIME = Symbol('RUNTIME');
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const DATABASE = Symbol('DATABASE');
/** The process's Redis connection factory (`RedisConnections`), not a connection. */
export const REDIS = Symbol('REDIS');
/** `DataCipher`: encryption of data at rest with DATA_ENCRYPTION_KEY. */
export const CIPHER = Symbol('CIPHER');
/** `{ draining }`: set while the process drains before shutdown. */
export const LIFECYCLE = Symbol('LIFECYCLE');

/**
 * Makes the pieces of the process Runtime injectable one by one — @Inject(CONFIG),
 * @Inject(DATABASE), @Inject(REDIS), @Inject(CIPHER), ... — so a constructor says what it
 * touches. RUNTIME (the whole bag) is for wiring code only.
 */
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
      { provide: LIFECYCLE, useValue: runtime.lifecycle },
    ];
    return { module: PlatformModule, providers, exports: providers.map((p) => p.provide) };
  }
}
