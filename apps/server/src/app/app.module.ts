import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ApiKeysApiModule } from '../api-keys/api-keys-api.module';
import { AuthApiModule } from '../auth/auth-api.module';
import { BenchRoutesApiModule } from '../bench-routes/bench-routes-api.module';
import { EventsApiModule } from '../events/events-api.module';
import { EventsCoreModule } from '../events/events-core.module';
import { HealthApiModule } from '../health/health-api.module';
import { LogsApiModule } from '../logs/logs-api.module';
import { LogsCoreModule } from '../logs/logs-core.module';
import { MetricsCoreModule, MetricsModule } from '../metrics/metrics.module';
import { OutboxApiModule } from '../outbox/outbox-api.module';
import type { Role } from '../platform/config/config';
import { PlatformModule } from '../platform/platform.module';
import type { Runtime } from '../platform/runtime';
import { QueuesApiModule } from '../queues/queues-api.module';
import { QueuesWorkerModule } from '../queues/queues-worker.module';
import { RefundsApiModule } from '../refunds/refunds-api.module';
import { RateLimitCoreModule } from '../rate-limit/rate-limit-core.module';
import { RetentionWorkerModule } from '../retention/retention-worker.module';
import { RunsWorkerModule } from '../runs/runs-worker.module';
import { RunsApiModule } from '../runs/runs-api.module';
import { StorageApiModule } from '../storage/storage-api.module';
import { SchedulerWorkerModule } from '../scheduler/scheduler-worker.module';
import { TemplatesApiModule } from '../templates/templates-api.module';
import { TriggersApiModule } from '../triggers/triggers-api.module';
import { UsersApiModule } from '../users/users-api.module';
import { WorkflowsApiModule } from '../workflows/workflows-api.module';
import { RunbooksApiModule } from '../runbooks/runbooks-api.module';

type Imports = NonNullable<ModuleMetadata['imports']>;

/**
 * The HTTP API: every feature's `*-api.module.ts` (routes; each imports the core modules it
 * needs), and the rate limiter the global guard uses. Only the gateway roles import them, so
 * the worker's health port never serves an API route.
 */
const GATEWAY_MODULES: Imports = [
  RateLimitCoreModule,
  AuthApiModule,
  ApiKeysApiModule,
  UsersApiModule,
  LogsApiModule,
  WorkflowsApiModule,
  RunsApiModule,
  TriggersApiModule,
  QueuesApiModule,
  TemplatesApiModule,
  OutboxApiModule,
  EventsApiModule,
  StorageApiModule,
  RefundsApiModule,
  RunbooksApiModule,
];
/** The queue consumers and their schedulers: every feature's `*-worker.module.ts`. */
const WORKER_MODULES: Imports = [QueuesWorkerModule, RunsWorkerModule, SchedulerWorkerModule, RetentionWorkerModule];

export const servesApi = (role: Role) => role !== 'worker';
export const runsWorker = (role: Role) => role !== 'gateway';

@Module({})
export class AppModule {
  static forRole(role: Role, runtime: Runtime, extra: Imports = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRuntime(runtime),
        LogsCoreModule,
        // Every role publishes live events (log rows, runs) while a dashboard listens.
        EventsCoreModule,
        HealthApiModule,
        // One registry per process: in role all the worker's series are on the gateway's /metrics.
        MetricsCoreModule,
        MetricsModule,
        ...(servesApi(role) ? GATEWAY_MODULES : []),
        ...(runsWorker(role) ? WORKER_MODULES : []),
        ...(servesApi(role) && runtime.config.VISAPI_BENCH_ROUTES ? [BenchRoutesApiModule] : []),
        ...extra,
      ],
    };
  }
}
