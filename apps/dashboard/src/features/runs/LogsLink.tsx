import { Anchor } from '@mantine/core';
import { useRouter } from '@tanstack/react-router';
import type { MouseEvent, ReactNode } from 'react';

/**
 * A link to the logs explorer with its filters in the URL. A plain link to a path the router
 * knows, followed without reloading the page (a modified click still opens a new tab).
 */
export function LogsLink({ search, children }: { search: Record<string, string>; children: ReactNode }) {
  const router = useRouter();
  const href = `/logs?${new URLSearchParams(search)}`;
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    router.history.push(href);
  };
  return (
    <Anchor href={href} onClick={follow}>
      {children}
    </Anchor>
  );
}
