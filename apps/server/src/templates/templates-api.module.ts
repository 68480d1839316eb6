import { Module } from '@nestjs/common';
import { TemplateRenderer } from '../engine/templating';
import { TemplatePreviewService } from './template-preview.service';
import { TemplatesController } from './templates.controller';
import { TemplatesCoreModule } from './templates-core.module';

/** GET/PUT /api/v1/templates and POST /templates/preview (gateway). */
@Module({
  imports: [TemplatesCoreModule],
  controllers: [TemplatesController],
  // The gateway's own renderer for previews (the worker's is in RunsWorkerModule).
  providers: [TemplatePreviewService, { provide: TemplateRenderer, useFactory: () => new TemplateRenderer() }],
})
export class TemplatesApiModule {}
