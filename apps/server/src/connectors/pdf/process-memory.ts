import fs from 'node:fs';

/**
 * Memory (bytes) of a process and all its descendants, from /proc: the sum of their PSS
 * (proportional set size, /proc/<pid>/smaps_rollup), VmRSS where that file is missing.
 * Chromium's renderers are grandchildren of the browser process (through its zygote), so the
 * browser's own figure says little; and its processes share most of their pages, so summing
 * RSS counts those once per process — about 3 times the real footprint (measured: 1,150 MB of
 * summed RSS for 400 MB of PSS, 11 processes). CDP has no per-process memory figure
 * (SystemInfo.getProcessInfo reports CPU time only, page.metrics() the JS heap). 0 off Linux.
 */
export function processTreeMemory(rootPid: number): number {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  let total = 0;
  const queue = [rootPid];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    total += memoryOf(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function memoryOf(pid: number): number {
  for (const [file, field] of [
    [`/proc/${pid}/smaps_rollup`, /^Pss:\s+(\d+) kB/m],
    [`/proc/${pid}/status`, /^VmRSS:\s+(\d+) kB/m],
  ] as const) {
    try {
      const match = field.exec(fs.readFileSync(file, 'utf8'));
      if (match) return Number(match[1]) * 1024;
    } catch {
      // Gone, or no smaps_rollup (kernels before 4.14): the next figure.
    }
  }
  return 0;
}
