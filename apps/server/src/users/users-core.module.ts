import { Module } from '@nestjs/common';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Dashboard users without routes: sign-in provisioning, roles, the first admin. */
@Module({ providers: [UsersService, UsersRepository], exports: [UsersService] })
export class UsersCoreModule {}
