import { AppShell, Burger, Center, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useMatches, useRouter, useRouterState } from '@tanstack/react-router';
import { type ReactNode, useDeferredValue } from 'react';
import { IdleWarning } from '../features/auth/IdleWarning';
import { useMe } from '../api/auth';
import { RequireSignIn } from '../features/auth/RequireSignIn';
import { EventStreamProvider } from '../hooks/useEventStream';
import { useCan } from '../hooks/useCan';
import { ForbiddenPage } from '../routes/ForbiddenPage';
import { ColorSchemeToggle } from './ColorSchemeToggle';
import { UserMenu } from './UserMenu';

export function Layout({ children }: { children?: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <RequireSignIn>
      <EventStreamProvider>
        <IdleWarning />
        <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
          <AppShell.Header>
            <Group h="100%" px="md" justify="space-between">
              <Group gap="sm">
                <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
                <Title order={1} size="h3">
                  VisAPI
                </Title>
                <Text size="sm" c="dimmed" visibleFrom="xs">
                  operations
                </Text>
              </Group>
              <Group gap="sm">
                <UserMenu />
                <ColorSchemeToggle />
              </Group>
            </Group>
          </AppShell.Header>
          <AppShell.Navbar p="xs" aria-label="Main navigation">
            <Navigation onNavigate={close} />
          </AppShell.Navbar>
          <AppShell.Main>{children ?? <PageForRole />}</AppShell.Main>
        </AppShell>
      </EventStreamProvider>
    </RequireSignIn>
  );
}

/** The navigation, generated from the route table: every route with a label the user's role may open. */
function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const router = useRouter();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  // The links appear in a background render once the role is known (see PageForRole).
  const canView = useDeferredValue(useCan('viewer'));
  const canOperate = useDeferredValue(useCan('operator'));
  const canAdmin = useDeferredValue(useCan('admin'));
  const allowed = { viewer: canView, operator: canOperate, admin: canAdmin };
  const items = Object.values(router.routesById).flatMap((route) => {
    const { navLabel, minRole = 'viewer' } = route.options.staticData ?? {};
    return navLabel && allowed[minRole] ? [{ to: route.fullPath, label: navLabel }] : [];
  });
  return (
    <>
      {items.map((item) => (
        <NavLink
          key={item.to}
          component={Link}
          to={item.to}
          label={item.label}
          active={item.to === '/' ? pathname === '/' : pathname === item.to || pathname.startsWith(`${item.to}/`)}
          onClick={onNavigate}
        />
      ))}
      {canView && <NavLink href="/admin/queues" label="Queues (Bull-Board)" />}
      <NavLink href="/api/docs" label="API reference" target="_blank" rel="noopener" />
    </>
  );
}

/** The matched page, or a refusal when the user's role is below the page's (the API refuses too). */
function PageForRole() {
  const minRole = useMatches({ select: (matches) => matches.at(-1)?.staticData?.minRole }) ?? 'viewer';
  // The user's role arrives as a store update, rendered at once and in one piece: the page it
  // lets in is rendered in a background, interruptible render instead (useDeferredValue).
  const can = useDeferredValue(useCan(minRole));
  const isPending = useDeferredValue(useMe().isPending);
  // Every signed-in user may open a viewer's page: it need not wait for the role.
  if (isPending) return minRole === 'viewer' ? <Outlet /> : <Center py="xl"><Loader role="status" aria-label="Loading" /></Center>;
  return can ? <Outlet /> : <ForbiddenPage role={minRole} />;
}
