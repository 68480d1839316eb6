import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** API keys without routes: verification (for the guard) and management (for the CLI). */
@Module({ providers: [ApiKeysService, ApiKeysRepository], exports: [ApiKeysService] })
export class ApiKeysCoreModule {}
