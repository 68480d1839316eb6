import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { BenchRoutesModule } from '../bench-routes/bench-routes.module';
import { AuthModule } from '../auth/auth.module';
import { HealthModule } from '../health/health.module';
import { LogsApiModule } from '../logs/logs-api.module';
import { LogsModule } from '../logs/logs.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { RunsWorkerModule } from '../runs/runs-worker.module';
import { RunsModule } from '../runs/runs.module';
import { TriggersModule } from '../triggers/triggers.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import type { Role } from '../platform/config/config';
import { PlatformModule } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { QueuesApiModule } from '../queues/queues-api.module';
import { QueuesModule } from '../queues/queues.module';
import { WorkerModule } from '../queues/worker.module';
import { OutboxModule } from '../outbox/outbox.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { RetentionModule } from '../retention/retention.module';
import { TemplatesModule } from '../templates/templates.module';

type Imports = NonNullable<ModuleMetadata['imports']>;

/** The HTTP API's feature modules. */
const GATEWAY_MODULES: Imports = [RateLimitModule, AuthModule, ApiKeysModule, UsersModule, LogsApiModule, WorkflowsModule, RunsModule, TriggersModule, QueuesModule, QueuesApiModule, TemplatesModule, OutboxModule];
/** The queue consumers and their schedulers. */
const WORKER_MODULES: Imports = [WorkerModule, RunsWorkerModule, SchedulerModule, RetentionModule];

export const servesApi = (role: Role) => role !== 'worker';
export const runsWorker = (role: Role) => role !== 'gateway';

@Module({})
export class AppModule {
  static forRole(role: Role, runtime: Runtime, extra: Imports = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRuntime(runtime),
        LogsModule,
        HealthModule,
        ...(servesApi(role) ? GATEWAY_MODULES : []),
        ...(runsWorker(role) ? WORKER_MODULES : []),
        ...(servesApi(role) && runtime.config.VISAPI_BENCH_ROUTES ? [BenchRoutesModule] : []),
        ...extra,
      ],
    };
  }
}
