import { Module } from '@nestjs/common';
import { TemplatesController } from './templates.controller';
import { TemplatesCoreModule } from './templates-core.module';

/** GET/PUT /api/v1/templates (gateway). */
@Module({ imports: [TemplatesCoreModule], controllers: [TemplatesController] })
export class TemplatesApiModule {}
