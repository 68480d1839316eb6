import { Badge } from '@mantine/core';
import { useEventStreamStatus } from '../../hooks/useEventStream';

const SHOWN = {
  open: { label: 'Live', color: 'green' },
  connecting: { label: 'Connecting…', color: 'yellow' },
  closed: { label: 'Not live', color: 'gray' },
} as const;

/** Whether what the page shows is being updated as it happens; the word says it, not only the colour. */
export function LiveBadge() {
  const status = useEventStreamStatus();
  const { label, color } = SHOWN[status];
  return (
    <Badge variant="dot" color={color} role="status" title={status === 'open' ? 'Updates appear as they happen' : 'Updates may be late'}>
      {label}
    </Badge>
  );
}
