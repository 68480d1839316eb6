import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { RETRY_AFTER_ONE } from '../platform/http/problem';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto, IdParamDto, PageQueryDto, RotateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Header('Cache-Control', 'no-store') // the answer holds the key
  @Access({ scope: 'manage_keys', role: 'admin' })
  @ApiOperation({ summary: 'Create an API key', description: 'The full key is in this response only.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() body: CreateApiKeyDto, @CurrentPrincipal() by: Principal) {
    return this.keys.create(body, by);
  }

  @Get()
  @Access({ scope: 'manage_keys', role: 'admin' })
  @ApiOperation({ summary: 'List API keys', description: 'Newest first; never a secret or hash.' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@Query() query: PageQueryDto) {
    return this.keys.list(query.limit, query.cursor);
  }

  @Post(':id/rotate')
  @Header('Cache-Control', 'no-store') // the answer holds the new key
  @Access({ scope: 'manage_keys', role: 'admin' })
  @ApiOperation({ summary: 'Rotate an API key', description: 'Issues a new secret; the old one stays valid for graceHours (default 24).' })
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The new key, shown once. Also when the other gateways could not be told and the rotation could not be undone either (PostgreSQL down too): it stands, and they may refuse the new secret until their cache expires.',
  })
  @ApiNotFoundResponse({ description: 'No active key has this id.' })
  @ApiServiceUnavailableResponse({
    headers: RETRY_AFTER_ONE,
    description: 'Not rotated: the other gateways could not be told (Redis does not answer), so the rotation was undone. A gateway that read the rotated key meanwhile may refuse the old secret until its cache expires. Retry it.',
  })
  rotate(@Param() { id }: IdParamDto, @Body() body: RotateApiKeyDto, @CurrentPrincipal() by: Principal) {
    return this.keys.rotate(id, body.graceHours, by);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access({ scope: 'manage_keys', role: 'admin' })
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked).' })
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'Revoked, but the other gateways could not be told (Redis does not answer): retry the revoke.' })
  @ApiNotFoundResponse({ description: 'No key has this id.' })
  async revoke(@Param() { id }: IdParamDto, @CurrentPrincipal() by: Principal) {
    await this.keys.revoke(id, by);
  }
}
