// `node bench/profile-summary.mjs <file.cpuprofile> [--top=N] [--inclusive=name,name]`: where a V8
// CPU profile's time went — self time grouped by package (node_modules/<name>), by our own module
// (apps/server/dist/<feature>), Node's internals, GC and idle, as shares of the busy (non-idle)
// time; then the top functions; then the inclusive time (itself and what it calls, synchronously)
// of the named functions.
import fs from 'node:fs';
import { option } from './lib.mjs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top=N]');
  process.exit(1);
}
const top = Number(option(rest, 'top', 25));
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));

const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));

export function groupOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /apps\/server\/dist\/([^/]+)/.exec(url);
  if (ours) return `ours: ${ours[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  return url;
}

const byGroup = new Map();
const byFunction = new Map();
let total = 0;
let idle = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') {
    idle += us;
    continue;
  }
  total += us;
  const group = groupOf(url, functionName);
  byGroup.set(group, (byGroup.get(group) ?? 0) + us);
  const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*?(node_modules|apps\/server\/dist)\//, '$1/')}:${lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s\n`);
console.log('self time by group (share of busy time)');
for (const [group, us] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${group}`);
console.log('\nself time by function');
for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${name}`);

const inclusiveNames = option(rest, 'inclusive', '').split(',').filter(Boolean);
if (inclusiveNames.length) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totalOf = new Map();
  const totalUs = (node) => {
    if (totalOf.has(node.id)) return totalOf.get(node.id);
    const t = (selfUs.get(node.id) ?? 0) + (node.children ?? []).reduce((sum, c) => sum + totalUs(byId.get(c)), 0);
    totalOf.set(node.id, t);
    return t;
  };
  console.log('\ninclusive time (synchronous: awaited work resumes under runMicrotasks, not its caller)');
  for (const name of inclusiveNames) {
    let us = 0;
    const walk = (node, inside) => {
      const match = !inside && node.callFrame.functionName === name;
      if (match) us += totalUs(node);
      for (const c of node.children ?? []) walk(byId.get(c), inside || match);
    };
    walk(profile.nodes[0], false);
    console.log(`${pct(us)}  ${name}`);
  }
}
