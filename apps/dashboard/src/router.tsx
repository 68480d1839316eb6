import type { QueryClient } from '@tanstack/react-query';
import { createMemoryHistory, createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet } from '@tanstack/react-router';
import { type UserRole } from '@visapi/contracts/auth';
import { logsQuerySchema } from '@visapi/contracts/logs';
import { runsQuerySchema } from '@visapi/contracts/runs';
import { templatesQuerySchema } from '@visapi/contracts/templates';
import { workflowQuery } from './api/workflows';
import { Layout } from './components/Layout';
import { CallbackPage } from './features/auth/CallbackPage';
import { SignInPage } from './features/auth/SignInPage';
import { searchFrom } from './lib/search';
import { NotFoundPage } from './routes/NotFoundPage';

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

interface RouterContext {
  queryClient: QueryClient;
}

declare module '@tanstack/react-router' {
  interface StaticDataRouteOption {
    /** Listed in the navigation with this label, in route-table order. */
    navLabel?: string;
    /** The weakest role that may open the page; the navigation hides it from others. */
    minRole?: UserRole;
  }
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

/** Everything behind sign-in shares the shell. Pages load lazily, each in its own chunk. */
const appRoute = createRoute({ getParentRoute: () => rootRoute, id: 'app', component: Layout });

// The route table: order here is the navigation's order.
const overviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  staticData: { navLabel: 'Overview', minRole: 'viewer' },
  component: lazyRouteComponent(() => import('./features/overview/OverviewPage'), 'OverviewPage'),
});
// Runs and Trigger (issue 11)
const runsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/runs',
  staticData: { navLabel: 'Runs', minRole: 'viewer' },
  validateSearch: searchFrom(runsQuerySchema),
  component: lazyRouteComponent(() => import('./features/runs/RunsPage'), 'RunsPage'),
});
const runRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/runs/$runId',
  staticData: { minRole: 'viewer' },
  component: lazyRouteComponent(() => import('./features/runs/RunPage'), 'RunPage'),
});
const triggerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/trigger',
  staticData: { navLabel: 'Trigger', minRole: 'operator' },
  validateSearch: (search: Record<string, unknown>): { workflowId?: string } => ({ workflowId: text(search.workflowId) }),
  component: lazyRouteComponent(() => import('./features/trigger/TriggerPage'), 'TriggerPage'),
});
const workflowsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflows',
  staticData: { navLabel: 'Workflows', minRole: 'viewer' },
  component: lazyRouteComponent(() => import('./features/workflows/WorkflowsPage'), 'WorkflowsPage'),
});
const workflowRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/workflows/$workflowId',
  staticData: { minRole: 'viewer' },
  // The definition is the page's largest content: on navigation it is asked for with the page's
  // chunk, not after it has loaded and rendered (not awaited: the page shows its own loading
  // state). Not on a hover's preload (defaultPreload 'intent'): pointing along a list of
  // workflows would fetch every definition passed over. The hover still loads the chunk, so a
  // click after it renders at once and the page asks for the workflow itself.
  loader: ({ context: { queryClient }, params: { workflowId }, preload }) => {
    if (!preload) void queryClient.prefetchQuery(workflowQuery(workflowId));
  },
  component: lazyRouteComponent(() => import('./features/workflows/WorkflowPage'), 'WorkflowPage'),
});
const outboxRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/outbox',
  staticData: { navLabel: 'Outbox', minRole: 'viewer' },
  component: lazyRouteComponent(() => import('./features/outbox/OutboxPage'), 'OutboxPage'),
});
// Logs explorer and dead letters
const logsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/logs',
  staticData: { navLabel: 'Logs', minRole: 'viewer' },
  validateSearch: searchFrom(logsQuerySchema),
  component: lazyRouteComponent(() => import('./features/logs/LogsPage'), 'LogsPage'),
});
const dlqRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/dlq',
  staticData: { navLabel: 'Dead letters', minRole: 'viewer' },
  validateSearch: searchFrom(runsQuerySchema.pick({ workflowId: true })),
  component: lazyRouteComponent(() => import('./features/dlq/DlqPage'), 'DlqPage'),
});
// Stripe refunds (issue 14): operators and admins
const refundsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/refunds',
  staticData: { navLabel: 'Refunds', minRole: 'operator' },
  component: lazyRouteComponent(() => import('./features/refunds/RefundsPage'), 'RefundsPage'),
});

// Admin: API keys and users (issue 11).
const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/api-keys',
  staticData: { navLabel: 'API keys', minRole: 'admin' },
  component: lazyRouteComponent(() => import('./features/api-keys/ApiKeysPage'), 'ApiKeysPage'),
});
const usersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/users',
  staticData: { navLabel: 'Users & roles', minRole: 'admin' },
  component: lazyRouteComponent(() => import('./features/users/UsersPage'), 'UsersPage'),
});

// Templates (admin)
const templatesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/templates',
  staticData: { navLabel: 'Templates', minRole: 'admin' },
  validateSearch: searchFrom(templatesQuerySchema),
  component: lazyRouteComponent(() => import('./features/templates/TemplatesPage'), 'TemplatesPage'),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  callbackRoute,
  appRoute.addChildren([
    overviewRoute,
    runsRoute,
    runRoute,
    triggerRoute,
    logsRoute,
    dlqRoute,
    refundsRoute,
    workflowsRoute,
    workflowRoute,
    outboxRoute,
    apiKeysRoute,
    usersRoute,
    templatesRoute,
  ]),
]);

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
