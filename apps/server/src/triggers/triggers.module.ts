import { Module } from '@nestjs/common';
import { RunsCoreModule } from '../runs/runs-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { AuthModule } from '../auth/auth.module';
import { ManualTriggerController } from './triggers.controller';
import { WebhookAuth } from './webhook-auth';
import { WebhookTriggerController } from './webhook-trigger.controller';

@Module({
  imports: [AuthModule, WorkflowsCoreModule, RunsCoreModule],
  controllers: [ManualTriggerController, WebhookTriggerController],
  providers: [WebhookAuth],
})
export class TriggersModule {}
