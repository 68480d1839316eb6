import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { MagicLinksRepository } from './magic-links.repository';
import { MagicLinksService } from './magic-links.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [ApiKeysModule, UsersModule],
  controllers: [AuthController],
  providers: [
    Authenticator,
    SessionsService,
    SessionsRepository,
    MagicLinksService,
    MagicLinksRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator, MagicLinksService],
})
export class AuthModule {}
