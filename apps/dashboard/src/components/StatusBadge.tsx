import { Badge, type MantineColor } from '@mantine/core';

/** One colour per status word, whatever it belongs to: runs, steps, log levels, replays. */
const COLORS: Record<string, MantineColor> = {
  queued: 'gray',
  pending: 'gray',
  running: 'blue',
  succeeded: 'green',
  finished: 'green',
  failed: 'orange',
  dead: 'red',
  cancelled: 'gray',
  skipped: 'gray',
  debug: 'gray',
  info: 'blue',
  warn: 'yellow',
  error: 'red',
  enabled: 'green',
  disabled: 'gray',
  revoked: 'red',
  expired: 'orange',
  active: 'green',
};

/** A status as a light badge; its text is the status itself, so colour is never the only cue. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <Badge variant="light" color={COLORS[status] ?? 'gray'} aria-label={label ? `${label}: ${status}` : undefined}>
      {status}
    </Badge>
  );
}
