import { Module } from '@nestjs/common';
import { ApiKeysCoreModule } from './api-keys-core.module';
import { ApiKeysController } from './api-keys.controller';

/** /api/v1/api-keys (gateway). */
@Module({ imports: [ApiKeysCoreModule], controllers: [ApiKeysController] })
export class ApiKeysApiModule {}
