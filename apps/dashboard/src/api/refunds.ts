import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateRefund, Problem, Refund, RefundPreview, RefundRequest } from '@visapi/contracts';
import { ApiError, postJson } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** A refund's problem document: Stripe's refusal carries its code and the runbook to follow (SPEC §10). */
export interface RefundProblem extends Problem {
  stripeCode?: string;
  runbook?: string;
}

export const refundProblem = (error: unknown): RefundProblem | undefined => (error instanceof ApiError ? (error.problem as RefundProblem | undefined) : undefined);

/** The refund made, and whether the API answered it from an earlier confirmation (`Idempotent-Replayed`). */
export interface CreatedRefund {
  refund: Refund;
  replayed: boolean;
}

/** Refunds made, newest first (GET /refunds, operator). */
export function useRefunds() {
  return usePagedList<Refund>(queryKeys.refunds.list(), '/api/v1/refunds');
}

/** POST /refunds/preview: what will happen, and the token that confirms exactly that. */
export function useRefundPreview() {
  return useMutation({ mutationFn: (request: RefundRequest) => postJson<RefundPreview>('/api/v1/refunds/preview', request) });
}

/**
 * POST /refunds with the confirmation: `201` made now, `200` + `Idempotent-Replayed` made
 * before. Read here rather than through postJson, which keeps neither the status nor the headers.
 */
async function createRefund(body: CreateRefund): Promise<CreatedRefund> {
  const response = await fetch('/api/v1/refunds', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const isProblem = response.headers.get('content-type')?.includes('application/problem+json');
    throw new ApiError(response.status, isProblem ? ((await response.json()) as Problem) : undefined);
  }
  const replayed = response.headers.get('idempotent-replayed') === 'true' || response.status === 200;
  return { refund: (await response.json()) as Refund, replayed };
}

export function useCreateRefund() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createRefund,
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.refunds.all }),
  });
}
