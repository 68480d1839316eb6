import type { QueryClient } from '@tanstack/react-query';
import { createMemoryHistory, createRootRouteWithContext, createRoute, createRouter, Outlet } from '@tanstack/react-router';
import { Layout } from './components/Layout';
import { CallbackPage } from './features/auth/CallbackPage';
import { SignInPage } from './features/auth/SignInPage';
import { NotFoundPage } from './routes/NotFoundPage';
import { OverviewPage } from './routes/OverviewPage';
import { OutboxPage } from './features/outbox/OutboxPage';
import { WorkflowPage } from './features/workflows/WorkflowPage';
import { WorkflowsPage } from './features/workflows/WorkflowsPage';

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: () => (
    <Layout>
      <NotFoundPage />
    </Layout>
  ),
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: (search: Record<string, unknown>): { next?: string } => ({ next: text(search.next) }),
  component: SignInPage,
});

const callbackRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/auth/callback',
  validateSearch: (search: Record<string, unknown>): { token?: string; next?: string } => ({
    token: text(search.token),
    next: text(search.next),
  }),
  component: CallbackPage,
});

/** Everything behind sign-in shares the shell. */
const appRoute = createRoute({ getParentRoute: () => rootRoute, id: 'app', component: Layout });
const overviewRoute = createRoute({ getParentRoute: () => appRoute, path: '/', component: OverviewPage });

const workflowsRoute = createRoute({ getParentRoute: () => appRoute, path: '/workflows', component: WorkflowsPage });
const workflowRoute = createRoute({ getParentRoute: () => appRoute, path: '/workflows/$workflowId', component: WorkflowPage });
const outboxRoute = createRoute({ getParentRoute: () => appRoute, path: '/outbox', component: OutboxPage });

const routeTree = rootRoute.addChildren([signInRoute, callbackRoute, appRoute.addChildren([overviewRoute, workflowsRoute, workflowRoute, outboxRoute])]);

/** The app's router; tests pass an initial path and get an in-memory history. */
export function createAppRouter(queryClient: QueryClient, initialPath?: string) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    ...(initialPath ? { history: createMemoryHistory({ initialEntries: [initialPath] }) } : {}),
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
