import { AppShell, Burger, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { RequireSignIn } from '../features/auth/RequireSignIn';
import { ColorSchemeToggle } from './ColorSchemeToggle';
import { UserMenu } from './UserMenu';

/** The pages the navigation offers; later features add theirs here. */
export const NAV_ITEMS = [
  { to: '/', label: 'Overview' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/outbox', label: 'Outbox' },
] as const;

export function Layout({ children }: { children?: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  return (
    <RequireSignIn>
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
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
        {NAV_ITEMS.map((item) => (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            active={item.to === '/' ? pathname === '/' : pathname.startsWith(item.to)}
            onClick={close}
          />
        ))}
        <NavLink href="/api/docs" label="API reference" target="_blank" rel="noopener" />
      </AppShell.Navbar>
      <AppShell.Main>
        {children ?? <Outlet />}
      </AppShell.Main>
    </AppShell>
    </RequireSignIn>
  );
}
