import { Alert, Anchor, Stack, Text } from '@mantine/core';
import { ApiError } from '../../api/client';
import { refundProblem } from '../../api/refunds';

interface RefundErrorAlertProps {
  error: unknown;
  /** A preview never moves money; a failed refund may have, when Stripe could not be reached. */
  during: 'preview' | 'refund';
}

function titleOf(status: number | undefined, stripeCode: string | undefined, during: RefundErrorAlertProps['during']): string {
  if (status === 502) return 'Stripe could not be reached';
  if (stripeCode) return during === 'refund' ? 'Stripe refused the refund' : 'Stripe refused the look-up';
  return during === 'refund' ? 'The refund was refused' : 'The preview was refused';
}

/**
 * What went wrong with a preview or a refund, as ErrorAlert shows errors, plus what Stripe
 * said (its message and code) and the runbook the API points to.
 */
export function RefundErrorAlert({ error, during }: RefundErrorAlertProps) {
  const problem = refundProblem(error);
  const status = error instanceof ApiError ? error.status : undefined;
  const unreachable = status === 502;
  return (
    <Alert color="red" title={titleOf(status, problem?.stripeCode, during)} role="alert">
      <Stack gap={4}>
        <Text size="sm">{error instanceof Error ? error.message : String(error)}</Text>
        {problem?.stripeCode && (
          <Text size="sm">
            Stripe’s code: <code>{problem.stripeCode}</code>
          </Text>
        )}
        {problem?.errors?.map((e) => (
          <Text size="sm" key={`${e.path}:${e.message}`}>
            <code>{e.path}</code> {e.message}
          </Text>
        ))}
        {unreachable && during === 'refund' && (
          <Text size="sm">
            The refund was not confirmed, so it may not have been made. Confirming again is safe: the same confirmation reuses its idempotency key, and Stripe refunds at most once.
          </Text>
        )}
        {unreachable && during === 'preview' && <Text size="sm">Nothing was refunded: a preview only looks the charge up. Try again in a moment.</Text>}
        {!unreachable && problem?.stripeCode && during === 'refund' && <Text size="sm">Nothing was refunded.</Text>}
        {problem?.runbook && (
          <Anchor href={problem.runbook} target="_blank" rel="noopener noreferrer" size="sm" fw={600} c="inherit" underline="always">
            What to do: the Stripe refund failure runbook
          </Anchor>
        )}
      </Stack>
    </Alert>
  );
}
