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

/**
 * GET a JSON resource of our own origin. `acceptStatuses` lists non-2xx statuses whose
 * body is still the answer (health reports 503 with a full body).
 */
export async function getJson<T>(path: string, acceptStatuses: number[] = []): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.ok || acceptStatuses.includes(response.status)) return (await response.json()) as T;
  const isProblem = response.headers.get('content-type')?.includes('application/problem+json');
  throw new ApiError(response.status, isProblem ? ((await response.json()) as Problem) : undefined);
}

/** Every query key of the app, from one factory. */
export const queryKeys = {
  health: ['health'] as const,
};
