import { Box, Group, Text } from '@mantine/core';
import type { RunStats } from '@visapi/contracts';
import { formatNumber, formatTime } from '../../lib/format';

type Bucket = RunStats['buckets'][number];

/**
 * Colours readable on the card in both schemes (≥ 3:1, WCAG 1.4.11): the "light" text colours
 * theme.ts makes readable per scheme, orange's filled shade 8 (3.6:1 on white, 3.8:1 on dark),
 * and the dimmed grey. Orange's light colour is too close to red's on white to tell them apart.
 */
const OUTCOMES = [
  { key: 'succeeded', label: 'Succeeded', color: 'var(--mantine-color-green-light-color)' },
  { key: 'failed', label: 'Failed attempts', color: 'var(--mantine-color-orange-filled)' },
  { key: 'dead', label: 'Dead', color: 'var(--mantine-color-red-light-color)' },
  { key: 'cancelled', label: 'Cancelled', color: 'var(--mantine-color-dimmed)' },
] as const;
const CREATED_COLOR = 'var(--mantine-color-blue-light-color)';

/** The chart's whole height, reserved whatever the data, so nothing below it moves. */
export const RUNS_CHART_HEIGHT = 220;

/** 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100…: the y axis' top, at or above `n`. */
function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * power >= n)!;
  return Math.max(Math.ceil(n), step * power);
}

const minuteTitle = (b: Bucket) =>
  `${formatTime(b.at)}: ${formatNumber(b.created)} created, ${OUTCOMES.map((o) => `${formatNumber(b[o.key])} ${o.label.toLowerCase()}`).join(', ')}`;

/**
 * Runs created per minute (a line) and their outcomes (stacked bars), drawn in plain SVG: one
 * unit of width per minute, stretched to the card's width; the labels are HTML so they keep
 * their size. Hidden from screen readers: the figure's caption and its table say the same.
 */
export function RunsChart({ buckets }: { buckets: RunStats['buckets'] }) {
  const n = Math.max(buckets.length, 1);
  const top = niceCeiling(Math.max(0, ...buckets.map((b) => Math.max(b.created, OUTCOMES.reduce((sum, o) => sum + b[o.key], 0)))));
  // The first and last minute and the quarters between: 10:00, 10:15, 10:30, 10:45, 10:59.
  const ticks = [...new Set([0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1])].filter((i) => i < buckets.length);
  const line = buckets.map((b, i) => `${i + 0.5},${top - b.created}`).join(' ');
  return (
    <Box
      aria-hidden="true"
      data-chart="runs"
      h={RUNS_CHART_HEIGHT}
      fz={11}
      style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gridTemplateRows: 'auto 1fr auto', columnGap: 6, rowGap: 4 }}
    >
      <Group gap="sm" fz="xs" style={{ gridColumn: '1 / -1', rowGap: 2 }} data-chart-legend="">
        <LegendItem label="Created (line)" color={CREATED_COLOR} line />
        {OUTCOMES.map((o) => (
          <LegendItem key={o.key} label={o.label} color={o.color} />
        ))}
      </Group>
      <Text component="div" fz={11} c="dimmed" ta="right" lh={1} style={{ display: 'flex', flexDirection: 'column', justifyContent: 'space-between' }}>
        <span>{formatNumber(top)}</span>
        <span>0</span>
      </Text>
      <svg viewBox={`0 0 ${n} ${top}`} preserveAspectRatio="none" width="100%" height="100%" style={{ display: 'block', minHeight: 0, overflow: 'visible' }}>
        {[0, top / 2, top].map((y) => (
          <line key={y} x1={0} x2={n} y1={y} y2={y} stroke="var(--mantine-color-default-border)" strokeWidth={1} vectorEffect="non-scaling-stroke" />
        ))}
        {buckets.map((b, i) => {
          let base = top;
          return (
            <g key={b.at} data-minute={b.at}>
              <title>{minuteTitle(b)}</title>
              {/* The whole column answers the pointer, so its title shows even above short bars. */}
              <rect x={i} y={0} width={1} height={top} fill="transparent" />
              {OUTCOMES.map((o) => {
                if (b[o.key] <= 0) return null;
                base -= b[o.key];
                return <rect key={o.key} data-outcome={o.key} x={i + 0.15} width={0.7} y={base} height={b[o.key]} fill={o.color} />;
              })}
            </g>
          );
        })}
        <polyline points={line} fill="none" stroke={CREATED_COLOR} strokeWidth={2} strokeLinejoin="round" vectorEffect="non-scaling-stroke" />
      </svg>
      <Text component="div" fz={11} c="dimmed" lh={1.4} style={{ gridColumn: 2, position: 'relative', height: '1.4em' }}>
        {ticks.map((i, k) => {
          const place = k === 0 ? { left: 0 } : k === ticks.length - 1 ? { right: 0 } : { left: `${((i + 0.5) / n) * 100}%`, transform: 'translateX(-50%)' };
          return (
            // Five labels crowd a phone's width: the quarters show from the sm breakpoint on.
            <Box key={i} component="span" visibleFrom={ticks.length === 5 && k % 2 === 1 ? 'sm' : undefined} style={{ position: 'absolute', whiteSpace: 'nowrap', ...place }}>
              {formatTime(buckets[i]!.at)}
            </Box>
          );
        })}
      </Text>
    </Box>
  );
}

function LegendItem({ label, color, line = false }: { label: string; color: string; line?: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Box component="span" w={12} h={line ? 3 : 10} style={{ backgroundColor: color, borderRadius: line ? 2 : 1 }} />
      <span>{label}</span>
    </Group>
  );
}
