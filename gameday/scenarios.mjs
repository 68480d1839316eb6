// Issue 16's six faults as tracks on a timeline (ms from the start of the load), each alone and
// then all together. A track injects its fault, restores it, and returns what happened when.

const sleepUntil = (t0, at) => new Promise((r) => setTimeout(r, Math.max(0, t0 + at - Date.now())));

/** 1. redis-server SIGKILLed, restarted from its AOF `ms` later. */
function redisTrack(at, ms) {
  return {
    name: 'redis',
    end: at + ms,
    async run(topo, t0) {
      await sleepUntil(t0, at);
      const downAt = Date.now();
      await topo.killRedis();
      await sleepUntil(t0, at + ms);
      await topo.startRedis();
      return [{ fault: 'redis SIGKILL', at: downAt, restoredAt: Date.now() }];
    },
  };
}

/**
 * 2. A worker SIGKILLed mid-step (while the provider holds one of its requests), in turn, every
 * `every` ms — at least once each — and replaced at once; the next kill waits until the
 * replacement is up, so that the other worker is there to resume the runs.
 */
function workerTrack(from, to, every) {
  return {
    name: 'worker',
    end: to,
    async run(topo, t0) {
      const events = [];
      for (let i = 0, at = from; at < to || i < 2; i++, at = Math.max(at + every, Date.now() - t0)) {
        await sleepUntil(t0, at);
        const index = i % topo.workers.length;
        const label = topo.workers[index].label;
        for (const deadline = Date.now() + 2000; topo.recorder.pending(label) === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
        const midStep = topo.recorder.pending(label) > 0;
        const kill = await topo.killWorker(index);
        events.push({ fault: 'worker SIGKILL', ...kill, midStep, restoredAt: kill.healthyAt });
      }
      return events;
    },
  };
}

/** 3. PostgreSQL stopped (fast shutdown) for `ms`. */
function postgresTrack(at, ms) {
  return {
    name: 'postgres',
    end: at + ms,
    async run(topo, t0) {
      await sleepUntil(t0, at);
      const downAt = Date.now();
      await topo.postgres.stop();
      await sleepUntil(t0, at + ms);
      await topo.postgres.start();
      return [{ fault: 'postgres stopped', at: downAt, restoredAt: Date.now() }];
    },
  };
}

/** 4. Each gateway in turn SIGTERMed (it drains) and started again on its port. */
function gatewayTrack(times) {
  return {
    name: 'gateway',
    end: Math.max(...times),
    async run(topo, t0) {
      const events = [];
      for (const [i, at] of times.entries()) {
        await sleepUntil(t0, at);
        const restart = await topo.restartGateway(i % topo.gateways.length);
        events.push({ fault: `gateway-${(i % topo.gateways.length) + 1} SIGTERM`, ...restart, restoredAt: restart.healthyAt });
      }
      return events;
    },
  };
}

/** 5. The Slack-compatible server answers 500 and 429 (Retry-After) for `ms`. */
function providerTrack(at, ms) {
  return {
    name: 'provider',
    end: at + ms,
    replayDlq: true,
    async run(topo, t0) {
      await sleepUntil(t0, at);
      const downAt = Date.now();
      topo.recorder.fail();
      await sleepUntil(t0, at + ms);
      topo.recorder.recover();
      return [{ fault: 'slack 500/429', at: downAt, restoredAt: Date.now() }];
    },
  };
}

/** 6. 20–50 ms added to every chunk to and from Redis, both ways. */
function latencyTrack(from, to) {
  return {
    name: 'latency',
    end: to,
    async run(topo, t0) {
      await sleepUntil(t0, from);
      const at = Date.now();
      await topo.redisProxy.setDelay([20, 50]);
      await sleepUntil(t0, to);
      await topo.redisProxy.setDelay(undefined);
      return [{ fault: 'redis +20–50 ms', at, restoredAt: Date.now() }];
    },
  };
}

/**
 * The scenarios for a load of `durationMs`, with the fault lengths of `f` (the issue's: Redis 10 s,
 * PostgreSQL 20 s, provider 60 s, a worker kill every few seconds). The load runs on past the
 * last fault so that recovery happens under load too.
 */
export function scenarios(durationMs, f) {
  const d = durationMs;
  const at = (share) => Math.round(d * share);
  return {
    1: { title: 'Redis SIGKILLed under load (AOF on)', tracks: [redisTrack(at(0.3), f.redisMs)] },
    2: { title: 'a worker SIGKILLed mid-step, again and again', tracks: [workerTrack(at(0.1), at(0.8), f.killEveryMs)] },
    3: { title: 'PostgreSQL stopped', tracks: [postgresTrack(at(0.25), f.postgresMs)] },
    4: { title: 'a gateway SIGTERMed and restarted, each in turn', tracks: [gatewayTrack([at(0.25), at(0.6)])] },
    5: { title: 'Slack answers 500 and 429, then DLQ replay', tracks: [providerTrack(at(0.15), f.providerMs)] },
    6: { title: 'latency and jitter to Redis (+20–50 ms)', tracks: [latencyTrack(at(0.1), at(0.9))] },
    all: {
      title: 'all six together',
      tracks: [
        latencyTrack(at(0.05), at(0.95)),
        workerTrack(at(0.1), at(0.9), f.killEveryMs * 2),
        redisTrack(at(0.15), f.redisMs),
        gatewayTrack([at(0.15) + f.redisMs + at(0.1), at(0.75)]),
        postgresTrack(at(0.15) + f.redisMs + at(0.15), f.postgresMs),
        providerTrack(at(0.3), f.providerMs),
      ],
    },
  };
}

/** How long the load runs: the given duration, or longer when a fault outlasts it (plus a tail under load after it). */
export function loadDuration(scenario, durationMs) {
  const lastFault = Math.max(...scenario.tracks.map((t) => t.end));
  return Math.max(durationMs, lastFault + Math.round(durationMs * 0.2));
}
