import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller';
import { AuthCoreModule } from './auth-core.module';
import { AuthGuard } from './auth.guard';

/** /api/v1/auth, and the global guard every route of the gateway passes (gateway). */
@Module({
  imports: [AuthCoreModule],
  controllers: [AuthController],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthApiModule {}
