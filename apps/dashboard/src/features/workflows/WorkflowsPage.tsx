import { Alert, Anchor, Badge, Skeleton, Stack, Table, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useWorkflows } from '../../api/workflows';
import { PageTitle } from '../../frames/PageFrame';

export function WorkflowsPage() {
  const { data, error, isPending } = useWorkflows();
  return (
    <Stack>
      <PageTitle path="/workflows" />
      {isPending && <Skeleton height={120} role="status" aria-label="Loading workflows" />}
      {error && <Alert color="red" title="Cannot load workflows">{error.message}</Alert>}
      {data && data.items.length === 0 && <Text c="dimmed">No workflows yet.</Text>}
      {data && data.items.length > 0 && (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Priority</Table.Th>
              <Table.Th>State</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((w) => (
              <Table.Tr key={w.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/workflows/${w.id}`}>
                    {w.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{w.version}</Table.Td>
                <Table.Td>{w.priority}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={w.enabled ? 'green' : 'gray'}>
                    {w.enabled ? 'enabled' : 'disabled'}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
