import { Module } from '@nestjs/common';
import { TemplateRegistry } from './template-registry';
import { TemplatesController } from './templates.controller';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** Template lookup for the worker's connectors (no routes). */
@Module({ providers: [TemplatesRepository, TemplateRegistry], exports: [TemplatesRepository, TemplateRegistry] })
export class TemplatesCoreModule {}

/** GET/PUT /api/v1/templates. */
@Module({ imports: [TemplatesCoreModule], controllers: [TemplatesController], providers: [TemplatesService] })
export class TemplatesModule {}
