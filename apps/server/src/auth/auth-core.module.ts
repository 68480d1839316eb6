import { Module } from '@nestjs/common';
import { ApiKeysCoreModule } from '../api-keys/api-keys-core.module';
import { UsersCoreModule } from '../users/users-core.module';
import { AuthService } from './auth.service';
import { Authenticator } from './authenticator';
import { MagicLinksRepository } from './magic-links.repository';
import { MagicLinksService } from './magic-links.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Who is calling (API keys, sessions) and passwordless sign-in, without routes. */
@Module({
  imports: [ApiKeysCoreModule, UsersCoreModule],
  providers: [Authenticator, AuthService, SessionsService, SessionsRepository, MagicLinksService, MagicLinksRepository],
  exports: [Authenticator, AuthService, MagicLinksService, SessionsService],
})
export class AuthCoreModule {}
