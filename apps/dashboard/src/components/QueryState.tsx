import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { type ReactNode, useDeferredValue } from 'react';
import { ApiError } from '../api/client';

interface QueryStateProps<T> {
  query: Pick<UseQueryResult<T>, 'data' | 'error' | 'isPending' | 'refetch'>;
  /** What is loading, for screen readers and the error title: "runs", "the run". */
  what: string;
  /** Shown instead of children when the data is there but empty. */
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}

/** The loading, error and empty states every page shows the same way, then its content. */
export function QueryState<T>({ query, what, empty, isEmpty, children }: QueryStateProps<T>) {
  // The data's arrival re-renders at once, in one piece (React Query's store): the content's
  // first render follows in a background, interruptible render, the loader staying till then.
  const shown = useDeferredValue(query.data);
  if (query.isPending || (shown === undefined && query.data !== undefined)) {
    return (
      <Center py="xl">
        <Loader role="status" aria-label={`Loading ${what}`} />
      </Center>
    );
  }
  if (query.error) return <ErrorAlert title={`Cannot load ${what}`} error={query.error} onRetry={() => void query.refetch()} />;
  const data = query.data as T;
  if (empty !== undefined && isEmpty?.(data)) {
    return (
      <Text c="dimmed" py="md">
        {empty}
      </Text>
    );
  }
  return <>{children(data)}</>;
}

/** An API error as the user should read it: the problem's detail and its field errors. */
export function ErrorAlert({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  const problem = error instanceof ApiError ? error.problem : undefined;
  return (
    <Alert color="red" title={title} role="alert">
      <Stack gap={4}>
        <Text size="sm">{error instanceof Error ? error.message : String(error)}</Text>
        {problem?.errors?.map((e) => (
          <Text size="sm" key={`${e.path}:${e.message}`}>
            <code>{e.path}</code> {e.message}
          </Text>
        ))}
        {onRetry && (
          <Button variant="white" color="red" size="compact-sm" onClick={onRetry} w="fit-content">
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
