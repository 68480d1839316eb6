import { IdParamDto } from '../platform/http/params';
import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pageQuerySchema, pageSchema, patchUserSchema, userSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { UsersService } from './users.service';

class UserDto extends createZodDto(userSchema) {}
class UserPageDto extends createZodDto(pageSchema(userSchema)) {}
class PatchUserDto extends createZodDto(patchUserSchema) {}
class UsersQueryDto extends createZodDto(pageQuerySchema) {}

@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Access({ role: 'admin' })
  @ApiOperation({ summary: 'List dashboard users' })
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: UsersQueryDto) {
    return this.users.list(query.limit, query.cursor);
  }

  @Patch(':id')
  @Access({ role: 'admin' })
  @ApiOperation({ summary: 'Change a user’s role', description: 'Takes effect on the user’s next request.' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ description: 'No user has this id.' })
  setRole(@Param() { id }: IdParamDto, @Body() body: PatchUserDto, @CurrentPrincipal() by: Principal) {
    return this.users.setRole(id, body.role, by);
  }
}
