import type { Problem } from '@visapi/contracts';

/** An error response from the API, with its problem document when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

async function request<T>(method: string, path: string, body: unknown, acceptStatuses: number[]): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok || acceptStatuses.includes(response.status)) {
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  const isProblem = response.headers.get('content-type')?.includes('application/problem+json');
  throw new ApiError(response.status, isProblem ? ((await response.json()) as Problem) : undefined);
}

/**
 * GET a JSON resource of our own origin. `acceptStatuses` lists non-2xx statuses whose
 * body is still the answer (health reports 503 with a full body).
 */
export const getJson = <T>(path: string, acceptStatuses: number[] = []) => request<T>('GET', path, undefined, acceptStatuses);
export const postJson = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}, []);
export const putJson = <T>(path: string, body: unknown) => request<T>('PUT', path, body, []);
export const patchJson = <T>(path: string, body: unknown) => request<T>('PATCH', path, body, []);

export const isUnauthorized = (error: unknown) => error instanceof ApiError && error.status === 401;

/** Every query key of the app, from one factory. */
export const queryKeys = {
  health: ['health'] as const,
  me: ['auth', 'me'] as const,
  workflows: ['workflows'] as const,
  workflow: (id: string) => ['workflows', id] as const,
  outbox: (connector?: string) => ['outbox', connector ?? 'all'] as const,
};
