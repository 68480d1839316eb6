import { parse } from 'yaml';

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: identifiers left once strings, label matchers,
 * grouping clauses, ranges, Grafana variables and function calls are taken out.
 */
export function metricNamesOf(expr: string): Set<string> {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    // Numbers and durations (0.99, 1e3, 5m): none is a name.
    .replace(/(?<![A-Za-z0-9_:])\d[\w.]*/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = bare.slice(match.index + match[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return names;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

/** The names a Prometheus rule file reads, and those its recording rules define. */
export function metricNamesOfAlerts(text: string): { used: Set<string>; recorded: Set<string> } {
  const file = parse(text) as RuleFile;
  const used = new Set<string>();
  const recorded = new Set<string>();
  for (const group of file.groups) {
    for (const rule of group.rules) {
      if (rule.record) recorded.add(rule.record);
      for (const name of metricNamesOf(String(rule.expr))) used.add(name);
    }
  }
  return { used, recorded };
}

/** The names a Grafana dashboard's panel targets (and templating queries) read. */
export function metricNamesOfDashboard(dashboard: { panels?: Array<{ targets?: Array<{ expr?: string }>; panels?: unknown[] }> }): Set<string> {
  const used = new Set<string>();
  const visit = (panels: unknown[] | undefined) => {
    for (const panel of (panels ?? []) as Array<{ targets?: Array<{ expr?: string }>; panels?: unknown[] }>) {
      for (const target of panel.targets ?? []) if (target.expr) for (const name of metricNamesOf(target.expr)) used.add(name);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return used;
}
