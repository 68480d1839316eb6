/**
 * Every query key of the app, from one factory. Keys nest: invalidating `queryKeys.runs.all`
 * refreshes every runs list and run detail; list keys end with their filters.
 */
export const queryKeys = {
  health: ['health'] as const,
  me: ['auth', 'me'] as const,
  workflows: {
    all: ['workflows'] as const,
    list: () => ['workflows', 'list'] as const,
    detail: (id: string) => ['workflows', 'detail', id] as const,
    versions: (id: string) => ['workflows', 'detail', id, 'versions'] as const,
  },
  runs: {
    all: ['runs'] as const,
    list: (filters: object) => ['runs', 'list', filters] as const,
    detail: (id: string) => ['runs', 'detail', id] as const,
    stats: (minutes: number) => ['runs', 'stats', minutes] as const,
  },
  dlq: {
    all: ['dlq'] as const,
    list: (filters: object) => ['dlq', 'list', filters] as const,
    replay: (id: string) => ['dlq', 'replays', id] as const,
  },
  logs: {
    all: ['logs'] as const,
    list: (filters: object) => ['logs', 'list', filters] as const,
  },
  queues: ['queues'] as const,
  apiKeys: {
    all: ['api-keys'] as const,
    list: () => ['api-keys', 'list'] as const,
  },
  users: {
    all: ['users'] as const,
    list: () => ['users', 'list'] as const,
  },
  templates: {
    all: ['templates'] as const,
    lists: ['templates', 'list'] as const,
    list: (filters: object) => ['templates', 'list', filters] as const,
    preview: (request: object) => ['templates', 'preview', request] as const,
  },
  outbox: {
    all: ['outbox'] as const,
    list: (connector?: string) => ['outbox', 'list', connector ?? 'all'] as const,
  },
  refunds: {
    all: ['refunds'] as const,
    list: () => ['refunds', 'list'] as const,
  },
};
