import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Role } from '../platform/config/config';
import { closeRuntime, type Runtime } from '../platform/runtime';
import { WorkerHost } from '../queues/worker-host';
import { runsWorker, servesApi } from './app.module';

/**
 * SPEC §1 graceful shutdown. A gateway first answers 503 on /healthz for
 * SHUTDOWN_DRAIN_DELAY_MS so load balancers stop sending, then stops accepting connections
 * and finishes in-flight requests. A worker stops taking jobs and lets in-flight ones finish
 * for up to SHUTDOWN_GRACE_MS. Then connections close and the embedded services are released.
 */
export async function shutdown(
  app: NestFastifyApplication,
  runtime: Runtime,
  role: Role,
  releaseInfrastructure: () => Promise<void> = async () => undefined,
): Promise<void> {
  const { config, logger } = runtime;
  runtime.lifecycle.draining = true;
  if (servesApi(role) && config.SHUTDOWN_DRAIN_DELAY_MS > 0) {
    logger.info({ ms: config.SHUTDOWN_DRAIN_DELAY_MS }, 'draining: /healthz answers 503 before the listener closes');
    await new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_DELAY_MS));
  }
  if (runsWorker(role)) await app.get(WorkerHost).drain(config.SHUTDOWN_GRACE_MS);
  // Requests still running after the grace period are cut rather than holding the exit.
  const server = app.getHttpServer();
  const cut = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
  await app.close();
  clearTimeout(cut);
  await closeRuntime(runtime);
  await releaseInfrastructure();
  logger.info('stopped');
}
