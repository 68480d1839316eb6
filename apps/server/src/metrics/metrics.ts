import type { Queues } from '@visapi/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** SPEC §12's outcome label values of `webhook_requests_total`. */
export const WEBHOOK_OUTCOMES = ['accepted', 'replayed', 'unauthorized', 'invalid', 'not_found', 'conflict', 'too_large', 'rate_limited', 'unavailable'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
export const FAIL_REASONS = ['transient', 'permanent', 'timeout'] as const;
export type FailReason = (typeof FAIL_REASONS)[number];
/** How a run's delivery ended (`failed`: a retry is scheduled). */
export const RUN_OUTCOMES = ['succeeded', 'failed', 'dead', 'cancelled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The label of requests no route matched (404s): never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';
/** Workflow ids beyond this many distinct ones share the label `other`. */
export const WORKFLOW_LABELS_MAX = 100;
/** What `workflow` says of a job that belongs to no workflow (maintenance jobs). */
export const NO_WORKFLOW = 'none';

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

type Observer = { observe(value: number): void };

/** What the scrape-time series read from the rest of the process (set once the sources exist). */
export interface MetricSources {
  /** BullMQ's counts and workers per queue; the caller caches (a scrape storm must cost Redis nothing). */
  queues?: () => Promise<Queues>;
  /** Log rows dropped so far (monotonic). */
  logRowsDropped?: () => number;
}

/**
 * The process's Prometheus registry and the SPEC §12 series (one per process: in role `all`
 * the worker's series and the gateway's share it). Nest-free: the Fastify hooks, the worker and
 * the tests use it as is.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly jobLatency: Histogram<'queue' | 'workflow'>;
  readonly jobDuration: Histogram<'queue' | 'workflow'>;
  readonly jobFails: Counter<'queue' | 'workflow' | 'step_type' | 'reason'>;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly queueWorkers: Gauge<'queue'>;
  readonly webhookRequests: Counter<'outcome'>;
  readonly rateLimited: Counter<'kind'>;
  readonly logBufferDropped: Counter;
  readonly runOutcomes: Counter<'queue' | 'status'>;
  readonly sources: MetricSources = {};

  /** route → method → status → child: after a combination's first request, observing allocates nothing of ours. */
  private readonly httpChildren = new Map<string, Map<string, Map<number, Observer>>>();
  private readonly workflows = new Set<string>();
  private readonly webhookChildren = new Map<WebhookOutcome, { inc(): void }>();

  constructor() {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template (unmatched for unknown routes) and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.jobLatency = new Histogram({
      name: 'job_latency_seconds',
      help: 'Queue jobs from enqueue to finish (success, or failure for good).',
      labelNames: ['queue', 'workflow'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'job_duration_seconds',
      help: 'Queue job processing time, from the worker taking the job to the attempt ending.',
      labelNames: ['queue', 'workflow'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.jobFails = new Counter({
      name: 'job_fail_total',
      help: 'Failed step attempts of run jobs, by step type and reason (transient, permanent, timeout).',
      labelNames: ['queue', 'workflow', 'step_type', 'reason'],
      registers,
    });
    const collectQueues = () => this.collectQueues();
    this.queueJobs = new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state (read from BullMQ at scrape time, cached a few seconds).',
      labelNames: ['queue', 'state'],
      registers,
      collect: collectQueues,
    });
    this.queueWorkers = new Gauge({
      name: 'queue_workers',
      help: 'Workers consuming each queue (read from BullMQ at scrape time, cached a few seconds).',
      labelNames: ['queue'],
      registers,
      collect: collectQueues,
    });
    this.webhookRequests = new Counter({ name: 'webhook_requests_total', help: 'Webhook requests by outcome.', labelNames: ['outcome'], registers });
    this.rateLimited = new Counter({ name: 'rate_limited_total', help: 'Requests refused by a rate limit, per API key (key) or per client address (ip).', labelNames: ['kind'], registers });
    const sources = this.sources;
    let droppedCounted = 0;
    this.logBufferDropped = new Counter({
      name: 'log_buffer_dropped_total',
      help: 'Log rows dropped because the log buffer was full (or could not be flushed at shutdown).',
      registers,
      collect() {
        const dropped = sources.logRowsDropped?.() ?? 0;
        if (dropped > droppedCounted) this.inc(dropped - droppedCounted);
        droppedCounted = Math.max(dropped, droppedCounted);
      },
    });
    this.runOutcomes = new Counter({ name: 'run_outcomes_total', help: 'Run deliveries by how they ended: succeeded, failed (retry scheduled), dead, cancelled.', labelNames: ['queue', 'status'], registers });
    collectDefaultMetrics({ register: this.registry });
    // Every outcome and kind exists from the start, so rates and ratios have a series to work on.
    for (const outcome of WEBHOOK_OUTCOMES) {
      const child = this.webhookRequests.labels(outcome);
      child.inc(0);
      this.webhookChildren.set(outcome, child);
    }
    for (const kind of ['key', 'ip']) this.rateLimited.inc({ kind }, 0);
    this.logBufferDropped.inc(0);
  }

  /** One HTTP request (Fastify's onResponse hook): route is the template, undefined when none matched. */
  observeHttp(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const template = route ?? UNMATCHED_ROUTE;
    let byMethod = this.httpChildren.get(template);
    if (!byMethod) this.httpChildren.set(template, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let child = byStatus.get(statusCode);
    if (!child) byStatus.set(statusCode, (child = this.httpDuration.labels(method, template, String(statusCode))));
    child.observe(seconds);
  }

  webhook(outcome: WebhookOutcome): void {
    this.webhookChildren.get(outcome)!.inc();
  }

  /** The `workflow` label of a workflow id: the first WORKFLOW_LABELS_MAX ids seen, then `other`. */
  workflowLabel(workflowId: unknown): string {
    if (typeof workflowId !== 'string' || workflowId === '') return NO_WORKFLOW;
    if (this.workflows.has(workflowId)) return workflowId;
    if (this.workflows.size >= WORKFLOW_LABELS_MAX) return 'other';
    this.workflows.add(workflowId);
    return workflowId;
  }

  /**
   * A job's attempt ended after `seconds` of processing; `finished`: for good (succeeded, or
   * failed with no attempt left), so its latency since `enqueuedAt` (ms, BullMQ's job.timestamp) counts.
   */
  jobEnded(queue: string, workflowId: unknown, seconds: number, finished: boolean, enqueuedAt: number): void {
    const labels = { queue, workflow: this.workflowLabel(workflowId) };
    this.jobDuration.observe(labels, seconds);
    if (finished) this.jobLatency.observe(labels, Math.max(0, (Date.now() - enqueuedAt) / 1000));
  }

  stepFailed(queue: string, workflowId: string, stepType: string, reason: string): void {
    if (!(FAIL_REASONS as readonly string[]).includes(reason)) return;
    this.jobFails.inc({ queue, workflow: this.workflowLabel(workflowId), step_type: stepType, reason });
  }

  /** Both queue gauges ask; the source's cache makes it one reading. Unreadable (Redis down): no series rather than stale ones. */
  private async collectQueues(): Promise<void> {
    if (!this.sources.queues) return;
    let reading: Queues;
    try {
      reading = await this.sources.queues();
    } catch {
      this.queueJobs.reset();
      this.queueWorkers.reset();
      return;
    }
    for (const queue of reading.queues) {
      for (const [state, count] of Object.entries(queue.counts)) this.queueJobs.set({ queue: queue.name, state }, count);
      this.queueWorkers.set({ queue: queue.name }, queue.workers);
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
