// CPU seconds of processes, from /proc (utime + stime, in clock ticks of 100 Hz).
import fs from 'node:fs';

const TICKS = 100;

export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** A process and all its descendants (PostgreSQL's backends are children of the postmaster). */
export function familyOf(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * Total CPU seconds per named group: { gateway: [pid], postgres: [postmaster pid], ... }, each
 * with its descendants — except those another group names: the embedded PostgreSQL and Redis
 * are children of the VisAPI process that started them, and must count once, as themselves.
 */
export function snapshot(groups) {
  const families = Object.entries(groups).map(([name, pids]) => [name, new Set(pids.flatMap(familyOf))]);
  // A process counts for the nearest group above it: the smallest family that holds it.
  const bySize = [...families].sort((x, y) => x[1].size - y[1].size);
  const owner = (pid) => bySize.find(([, family]) => family.has(pid))[0];
  return Object.fromEntries(families.map(([name, family]) => [name, [...family].filter((p) => owner(p) === name).reduce((sum, p) => sum + cpuSeconds(p), 0)]));
}

export function rss(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 100 ms until stop(), which returns the peak in MB. */
export class PeakRss {
  constructor(pid) {
    this.peak = rss(pid);
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, rss(pid))), 100);
  }

  stop() {
    clearInterval(this.timer);
    return Math.round(this.peak / 2 ** 20);
  }
}
