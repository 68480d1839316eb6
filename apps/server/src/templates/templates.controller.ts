import { Body, Controller, Get, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { putTemplateSchema, templateSchema, templatesQuerySchema } from '@visapi/contracts';
import type { FastifyReply } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access, CurrentPrincipal } from '../platform/http/access.decorator';
import type { Principal } from '../platform/http/principal';
import { TemplatesService } from './templates.service';

class TemplateDto extends createZodDto(templateSchema) {}
class TemplateListDto extends createZodDto(z.object({ items: z.array(templateSchema) })) {}
class PutTemplateDto extends createZodDto(putTemplateSchema) {}
class TemplatesQueryDto extends createZodDto(templatesQuerySchema) {}

@ApiTags('templates')
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

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
}
