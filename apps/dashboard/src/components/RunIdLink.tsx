import { Anchor } from '@mantine/core';
import { Link } from '@tanstack/react-router';

/** A link to a run's detail page, showing the first 8 characters of its id. */
export function RunIdLink({ runId }: { runId: string }) {
  return (
    <Anchor component={Link} to={`/runs/${runId}`} ff="monospace" size="sm" aria-label={`Run ${runId}`}>
      {runId.slice(0, 8)}
    </Anchor>
  );
}
