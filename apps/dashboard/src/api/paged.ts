import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Page } from '@visapi/contracts';
import { getJson, queryString } from './client';

type Params = Record<string, string | number | boolean | undefined | null>;

export interface PagedListOptions {
  pageSize?: number;
  /** Poll the pages shown (in the background: polling does not extend the idle session). */
  refetchInterval?: number | false;
}

/**
 * A keyset-paginated list (`?limit=&cursor=`, SPEC §2), a page at a time: `items` is every
 * page loaded so far, `loadMore` fetches the next one.
 */
export function usePagedList<T>(queryKey: readonly unknown[], path: string, params: Params = {}, options: PagedListOptions = {}) {
  const { pageSize = 50, refetchInterval = false } = options;
  const query = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    // Refetching the pages already shown (polling, live invalidation: every page, the first
    // and the ones after it) is background; the first load and "Load more" (a fetch whose
    // meta says fetchMore) are the user's doing and keep the session alive.
    queryFn: ({ client, pageParam, queryKey: key }) => {
      const state = client.getQueryState(key);
      const loadingMore = state?.fetchMeta?.fetchMore !== undefined;
      return getJson<Page<T>>(`${path}${queryString({ ...params, limit: pageSize, cursor: pageParam })}`, {
        background: state?.data !== undefined && !loadingMore,
      });
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval,
  });
  // One array per fetched data, not per render: DataTable defers its rows (useDeferredValue),
  // and a new array on every parent render would re-render the whole list twice each time.
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return {
    query,
    items,
    hasMore: query.hasNextPage,
    loadMore: () => void query.fetchNextPage(),
    isLoadingMore: query.isFetchingNextPage,
  };
}
