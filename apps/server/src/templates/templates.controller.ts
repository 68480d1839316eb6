import { Body, Controller, Get, HttpCode, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { putTemplateSchema, templatePreviewRequestSchema, templatePreviewSchema, templateSchema, templatesQuerySchema } from '@visapi/contracts';
import type { FastifyReply } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { TemplatePreviewService } from './template-preview.service';
import { TemplatesService } from './templates.service';

class TemplateDto extends createZodDto(templateSchema) {}
class TemplateListDto extends createZodDto(z.object({ items: z.array(templateSchema) })) {}
class PutTemplateDto extends createZodDto(putTemplateSchema) {}
class TemplatesQueryDto extends createZodDto(templatesQuerySchema) {}
class TemplatePreviewRequestDto extends createZodDto(templatePreviewRequestSchema) {}
class TemplatePreviewDto extends createZodDto(templatePreviewSchema) {}

@ApiTags('templates')
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly previews: TemplatePreviewService,
  ) {}

  @Get()
  @Access({ scope: 'read_workflows', role: 'admin' })
  @ApiOperation({ summary: 'List message templates', description: 'Filter by name, channel, locale; ordered by name, channel, locale.' })
  @ApiOkResponse({ type: TemplateListDto })
  list(@Query() query: TemplatesQueryDto) {
    return this.templates.list(query);
  }

  @Put()
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @ApiOperation({
    summary: 'Create or change a template',
    description: 'Keyed by (name, channel, locale): creates it (201) or stores its next version (200). Runs started afterwards use the new text.',
  })
  @ApiOkResponse({ type: TemplateDto, description: 'A new version of an existing template.' })
  @ApiCreatedResponse({ type: TemplateDto, description: 'A new template.' })
  async put(@Body() body: PutTemplateDto, @CurrentPrincipal() by: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, ...template } = await this.templates.put(body, by);
    reply.status(created ? 201 : 200);
    return template;
  }

  @Post('preview')
  @HttpCode(200)
  @Access({ scope: 'manage_workflows', role: 'admin' })
  @ApiOperation({
    summary: 'Preview a template',
    description:
      'Renders a subject and body with sample variables as a run would (same Liquid, filters and limits; `{% render %}` partials from the registry for the channel and locale). ' +
      'A variable the sample lacks renders empty and is listed in missingVariables (a run would fail on it). Nothing is stored.',
  })
  @ApiOkResponse({ type: TemplatePreviewDto })
  @ApiBadRequestResponse({ description: 'The body does not match the schema (channel, locale, body of 1-100,000 characters, variables an object).' })
  @ApiUnprocessableEntityResponse({ description: 'The template does not parse or render: `errors` name the field ($.subject, $.body), the message, and line and column when known.' })
  preview(@Body() body: TemplatePreviewRequestDto) {
    return this.previews.preview(body);
  }
}
