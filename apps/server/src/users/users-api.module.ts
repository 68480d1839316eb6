import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { UsersCoreModule } from './users-core.module';

/** /api/v1/users (gateway). */
@Module({ imports: [UsersCoreModule], controllers: [UsersController] })
export class UsersApiModule {}
