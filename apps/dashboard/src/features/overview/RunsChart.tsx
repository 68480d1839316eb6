import type { RunStats } from '@visapi/contracts';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTime } from '../../lib/format';

const color = (name: string) => `var(--mantine-color-${name}-filled)`;

/**
 * Runs created per minute (a line) and their outcomes (stacked bars). Hidden from screen
 * readers: the figure's caption and its table say the same in words and numbers.
 */
export default function RunsChart({ buckets }: { buckets: RunStats['buckets'] }) {
  const data = buckets.map((b) => ({ ...b, minute: formatTime(b.at) }));
  return (
    <div aria-hidden="true" style={{ width: '100%', height: 220 }}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height: 220 }}>
        <ComposedChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="minute" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="succeeded" name="Succeeded" stackId="outcome" fill={color('green')} isAnimationActive={false} />
          <Bar dataKey="failed" name="Failed attempts" stackId="outcome" fill={color('orange')} isAnimationActive={false} />
          <Bar dataKey="dead" name="Dead" stackId="outcome" fill={color('red')} isAnimationActive={false} />
          <Bar dataKey="cancelled" name="Cancelled" stackId="outcome" fill={color('gray')} isAnimationActive={false} />
          <Line dataKey="created" name="Created" type="monotone" stroke={color('blue')} dot={false} strokeWidth={2} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
