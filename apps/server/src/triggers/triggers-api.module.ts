import { Module } from '@nestjs/common';
import { RunsCoreModule } from '../runs/runs-core.module';
import { WorkflowsCoreModule } from '../workflows/workflows-core.module';
import { AuthCoreModule } from '../auth/auth-core.module';
import { REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { IdempotencyStore } from './idempotency';
import { ManualTriggerController } from './triggers.controller';
import { TriggersService } from './triggers.service';
import { WebhookAuth } from './webhook-auth';
import { WebhookTriggerController } from './webhook-trigger.controller';

/** Idempotency claims on a fail-fast connection of their own: while Redis is down, a keyed webhook answers 503 at once. */
const idempotencyStore = {
  provide: IdempotencyStore,
  inject: [REDIS],
  useFactory: (redis: RedisConnections) => new IdempotencyStore(redis.create('request', 'visapi:idempotency')),
};

/** Manual and webhook triggers (gateway). Its services serve only these routes, so it has no core module. */
@Module({
  imports: [AuthCoreModule, WorkflowsCoreModule, RunsCoreModule],
  controllers: [ManualTriggerController, WebhookTriggerController],
  providers: [TriggersService, WebhookAuth, idempotencyStore],
})
export class TriggersApiModule {}
