import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Config } from '../platform/config/config';
import { CONFIG } from '../platform/platform.module';
import { createObjectStorage, fileLinkSigner } from './create-storage';
import type { FileStore } from './file-store';
import { FileLinkSigner } from './signed-url';

/** The process's one object store (FileStore: the connectors' ObjectStorage port plus stat). */
export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

@Injectable()
class StorageShutdown implements OnApplicationShutdown {
  constructor(@Inject(OBJECT_STORAGE) private readonly storage: FileStore) {}

  onApplicationShutdown() {
    this.storage.close?.();
  }
}

/**
 * Object storage for every role: the worker's connectors put files, the gateway serves local
 * downloads and mints links. One store and one link signer per process.
 */
@Module({
  providers: [
    { provide: FileLinkSigner, inject: [CONFIG], useFactory: (config: Config) => fileLinkSigner(config) },
    { provide: OBJECT_STORAGE, inject: [CONFIG, FileLinkSigner], useFactory: (config: Config, signer: FileLinkSigner) => createObjectStorage(config, { signer }) },
    StorageShutdown,
  ],
  exports: [OBJECT_STORAGE, FileLinkSigner],
})
export class StorageModule {}
