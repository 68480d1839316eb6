import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateRefund, Problem, Refund, RefundPreview, RefundRequest } from '@visapi/contracts';
import { ApiError, postJson, requestWithResponse } from './client';
import { usePagedList } from './paged';
import { queryKeys } from './query-keys';

/** A refund's problem document: Stripe's refusal carries `stripeCode` and the `runbook` to follow (SPEC §10). */
export const refundProblem = (error: unknown): Problem | undefined => (error instanceof ApiError ? error.problem : undefined);

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

/** POST /refunds with the confirmation: `201` made now, `200` + `Idempotent-Replayed` made before. */
async function createRefund(body: CreateRefund): Promise<CreatedRefund> {
  const response = await requestWithResponse<Refund>('POST', '/api/v1/refunds', body);
  return { refund: response.body, replayed: response.headers.get('idempotent-replayed') === 'true' || response.status === 200 };
}

export function useCreateRefund() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createRefund,
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.refunds.all }),
  });
}
