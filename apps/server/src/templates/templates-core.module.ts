import { Module } from '@nestjs/common';
import { TemplateRegistry } from './template-registry';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

/** Templates without routes: the registry the worker's connectors read, and editing. */
@Module({ providers: [TemplatesRepository, TemplateRegistry, TemplatesService], exports: [TemplateRegistry, TemplatesService] })
export class TemplatesCoreModule {}
