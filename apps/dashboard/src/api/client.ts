import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { BACKGROUND_HEADER } from '@visapi/contracts/auth';
import { type Problem } from '@visapi/contracts/problem';
import { takeEarlyAnswer } from './early-answers';

/** An error response from the API, with its problem document when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

export interface RequestOptions {
  /** Non-2xx statuses whose body is still the answer (health reports 503 with a full body). */
  acceptStatuses?: number[];
  /** Polling the user did not ask for: it must not keep an idle session alive (SPEC §9). */
  background?: boolean;
}

/** An answer with what a caller may need besides the body (`201` vs `200`, `Idempotent-Replayed`). */
export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON request of our own origin; a non-2xx answer (outside acceptStatuses) throws ApiError. */
export async function requestWithResponse<T>(method: string, path: string, body: unknown, { acceptStatuses = [], background = false }: RequestOptions = {}): Promise<JsonResponse<T>> {
  // The entry script may have asked for this page's data already (api/early-answers.ts).
  const early = method === 'GET' && !background ? takeEarlyAnswer(path) : undefined;
  const response = await (early ??
    fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(background ? { [BACKGROUND_HEADER]: '1' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
  if (response.ok || acceptStatuses.includes(response.status)) {
    return { status: response.status, headers: response.headers, body: (response.status === 204 ? undefined : await response.json()) as T };
  }
  const isProblem = response.headers.get('content-type')?.includes('application/problem+json');
  throw new ApiError(response.status, isProblem ? ((await response.json()) as Problem) : undefined);
}

const request = async <T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> => (await requestWithResponse<T>(method, path, body, options)).body;

/** GET a JSON resource of our own origin. */
export const getJson = <T>(path: string, options: RequestOptions = {}) => request<T>('GET', path, undefined, options);
export const postJson = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}, {});
export const putJson = <T>(path: string, body: unknown) => request<T>('PUT', path, body, {});
export const patchJson = <T>(path: string, body: unknown) => request<T>('PATCH', path, body, {});
export const deleteJson = <T = void>(path: string) => request<T>('DELETE', path, undefined, {});

/** `?a=1&b=2` from an object, leaving out undefined and empty values. */
export function queryString(params: Record<string, string | number | boolean | undefined | null>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== null && e[1] !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : '';
}

export const isUnauthorized = (error: unknown) => error instanceof ApiError && error.status === 401;

/**
 * For a query's `queryFn` context: whether this fetch refreshes data already shown (on window
 * focus, after an invalidation, after a stream reset), which is background; the first load is
 * the user's and keeps the session alive.
 */
export const isRefetch = ({ client, queryKey }: { client: QueryClient; queryKey: QueryKey }) => client.getQueryState(queryKey)?.data !== undefined;
