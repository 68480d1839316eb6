import { IdParamDto } from '../platform/http/params';
import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  pageQuerySchema,
  pageSchema,
  patchWorkflowSchema,
  rotatedWebhookSecretSchema,
  workflowSchema,
  workflowsQuerySchema,
  workflowSummarySchema,
  workflowVersionSchema,
} from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { WorkflowsService } from './workflows.service';

class WorkflowDto extends createZodDto(workflowSchema) {}
class WorkflowPageDto extends createZodDto(pageSchema(workflowSummarySchema)) {}
class WorkflowVersionPageDto extends createZodDto(pageSchema(workflowVersionSchema)) {}
class WorkflowsQueryDto extends createZodDto(workflowsQuerySchema) {}
class VersionsQueryDto extends createZodDto(pageQuerySchema) {}
class PatchWorkflowDto extends createZodDto(patchWorkflowSchema) {}
class RotatedWebhookSecretDto extends createZodDto(rotatedWebhookSecretSchema) {}

/** The definition's JSON Schema (components.schemas.WorkflowDefinition, see platform/http/openapi.ts). */
const DefinitionBody = ApiBody({ description: 'A workflow definition (SPEC §4)', schema: { $ref: '#/components/schemas/WorkflowDefinition' } });

@ApiTags('workflows')
@Controller('api/v1/workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Get()
  @Access({ scope: 'read_workflows', role: 'viewer' })
  @ApiOperation({ summary: 'List workflows', description: 'Newest first; archived ones only with includeArchived=true.' })
  @ApiOkResponse({ type: WorkflowPageDto })
  list(@Query() query: WorkflowsQueryDto) {
    return this.workflows.list(query.limit, query.cursor, query.includeArchived);
  }

  @Get(':id')
  @Access({ scope: 'read_workflows', role: 'viewer' })
  @ApiOperation({ summary: 'A workflow with its current definition and webhook URLs', description: 'Signing secrets are never returned: a signed webhook trigger says `signed: true`.' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiNotFoundResponse({ description: 'No workflow has this id.' })
  get(@Param() { id }: IdParamDto) {
    return this.workflows.get(id);
  }

  @Get(':id/versions')
  @Access({ scope: 'read_workflows', role: 'viewer' })
  @ApiOperation({ summary: 'Version history, newest first' })
  @ApiOkResponse({ type: WorkflowVersionPageDto })
  @ApiNotFoundResponse({ description: 'No workflow has this id.' })
  versions(@Param() { id }: IdParamDto, @Query() query: VersionsQueryDto) {
    return this.workflows.versions(id, query.limit, query.cursor);
  }

  @Post()
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @DefinitionBody
  @ApiOperation({ summary: 'Create a workflow', description: '400 lists every problem with its JSON path; 409 when a webhook key belongs to another workflow.' })
  @ApiCreatedResponse({ type: WorkflowDto })
  @ApiConflictResponse({ description: 'A webhook key is used by another workflow.' })
  create(@Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.workflows.create(body, by);
  }

  @Put(':id')
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @DefinitionBody
  @ApiOperation({
    summary: 'Publish a new version',
    description:
      'Versions are immutable; the new `version` must be greater (semver), else 409. A webhook trigger without `signingSecret` keeps the stored secret of the trigger with the same key (so the definition as read can be published back); `signed: false` removes it; `signed: true` with no stored secret is a 400.',
  })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiConflictResponse({ description: 'The version is not greater, or a webhook key is used by another workflow.' })
  @ApiNotFoundResponse({ description: 'No active workflow has this id.' })
  update(@Param() { id }: IdParamDto, @Body() body: unknown, @CurrentPrincipal() by: Principal) {
    return this.workflows.update(id, body, by);
  }

  @Patch(':id')
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @ApiOperation({ summary: 'Enable or disable a workflow' })
  @ApiOkResponse({ type: WorkflowDto })
  @ApiNotFoundResponse({ description: 'No active workflow has this id.' })
  patch(@Param() { id }: IdParamDto, @Body() body: PatchWorkflowDto, @CurrentPrincipal() by: Principal) {
    return this.workflows.setEnabled(id, body.enabled, by);
  }

  @Post(':id/webhooks/:key/rotate-secret')
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @Header('Cache-Control', 'no-store') // the answer is a secret
  @ApiParam({ name: 'key', description: 'The webhook trigger’s key' })
  @ApiOperation({
    summary: 'Rotate a webhook’s signing secret',
    description:
      'A new Standard Webhooks secret (whsec_…), published as the next patch version and audited. It is shown only in this answer; the old secret stops working at once. Rotating an unsigned webhook trigger signs it.',
  })
  @ApiCreatedResponse({ type: RotatedWebhookSecretDto })
  @ApiNotFoundResponse({ description: 'No active workflow has this id, or it has no webhook trigger with this key.' })
  rotateSecret(@Param() { id }: IdParamDto, @Param('key') key: string, @CurrentPrincipal() by: Principal) {
    return this.workflows.rotateSecret(id, key, by);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @ApiOperation({ summary: 'Archive a workflow', description: 'It stops accepting triggers and its webhook keys are released.' })
  @ApiNoContentResponse({ description: 'Archived (or already archived).' })
  @ApiNotFoundResponse({ description: 'No workflow has this id.' })
  async archive(@Param() { id }: IdParamDto, @CurrentPrincipal() by: Principal) {
    await this.workflows.archive(id, by);
  }
}
