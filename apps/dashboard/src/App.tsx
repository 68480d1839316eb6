import { MantineProvider } from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useState } from 'react';
import { followSessionAfterMutations } from './api/auth';
import { isUnauthorized } from './api/client';
import { queryKeys } from './api/query-keys';
import { createAppRouter } from './router';
import { cssVariablesResolver, theme } from './theme';

/**
 * Any 401 (a session that expired or was ended elsewhere) marks the user signed out;
 * RequireSignIn then sends them to the sign-in page.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { retry: 1, staleTime: 5_000 } },
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthorized(error) && query.queryKey !== queryKeys.me) void client.invalidateQueries({ queryKey: queryKeys.me });
      },
    }),
    // Every successful change: the idle warning follows the session's new end (api/auth.ts).
    mutationCache: new MutationCache({ onSuccess: (_data, _variables, _result, mutation) => followSession(mutation) }),
  });
  const followSession = followSessionAfterMutations(client);
  return client;
}

export type AppRouter = ReturnType<typeof createAppRouter>;

/** The app's query client and router, made before the first render (boot.tsx) or by App itself. */
export function createAppState(initialPath?: string): { queryClient: QueryClient; router: AppRouter } {
  const queryClient = createQueryClient();
  return { queryClient, router: createAppRouter(queryClient, initialPath) };
}

export function App({ initialPath, state }: { initialPath?: string; state?: ReturnType<typeof createAppState> }) {
  const [{ queryClient, router }] = useState(() => state ?? createAppState(initialPath));
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
