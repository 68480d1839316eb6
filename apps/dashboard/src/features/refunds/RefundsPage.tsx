import { Divider, Stack } from '@mantine/core';
import type { RefundPreview, RefundRequest } from '@visapi/contracts';
import { useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { type CreatedRefund, useCreateRefund, useRefundPreview } from '../../api/refunds';
import { AmountStep } from './AmountStep';
import { RecentRefunds } from './RecentRefunds';
import { RefundConfirmation } from './RefundConfirmation';
import { RefundErrorAlert } from './RefundErrorAlert';
import { emptyDraft, type RefundDraft, RefundForm } from './RefundForm';
import { RefundResult } from './RefundResult';
import { PageDescription, PageTitle } from '../../frames/PageFrame';

type Step =
  | { at: 'form' }
  /** A partial refund: the look-up told the currency (null: the sandbox refused a look-up without an amount). */
  | { at: 'amount'; lookup: RefundPreview | null }
  | { at: 'confirm'; preview: RefundPreview; request: RefundRequest }
  | { at: 'done'; created: CreatedRefund };

/** The sandbox needs an amount (SPEC §10): a look-up without one is refused on `amount`. */
const needsAmount = (error: unknown) =>
  error instanceof ApiError && (error.status === 400 || error.status === 422) && (error.problem?.errors ?? []).some((e) => e.path.split('.').includes('amount'));

/**
 * Stripe refunds (SPEC §10, §11), one step at a time: the charge and the reason → (for part of
 * it, the amount in the charge's currency) → the preview to confirm → Stripe's answer.
 */
export function RefundsPage() {
  const preview = useRefundPreview();
  const create = useCreateRefund();
  const [step, setStep] = useState<Step>({ at: 'form' });
  const [draft, setDraft] = useState<RefundDraft>(emptyDraft);
  /** The first step's request (no amount), and the partial amount as typed. */
  const [base, setBase] = useState<RefundRequest | null>(null);
  const [lookup, setLookup] = useState<RefundPreview | null>(null);
  const [typedAmount, setTypedAmount] = useState('');

  const go = (next: Step) => {
    preview.reset();
    create.reset();
    setStep(next);
  };

  const previewFor = (request: RefundRequest) =>
    preview.mutate(request, { onSuccess: (answer) => go({ at: 'confirm', preview: answer, request }) });

  const lookUp = (request: RefundRequest) => {
    setBase(request);
    setTypedAmount('');
    preview.mutate(request, {
      onSuccess: (answer) => {
        setLookup(answer);
        go(draft.kind === 'full' ? { at: 'confirm', preview: answer, request } : { at: 'amount', lookup: answer });
      },
      onError: (error) => {
        if (!needsAmount(error)) return;
        setLookup(null);
        go({ at: 'amount', lookup: null });
      },
    });
  };

  // Confirm is disabled while its request is out, but a double click can land before that
  // render: the second click stops here. (The server refunds once anyway: the token is the key.)
  const sending = useRef(false);
  const confirm = (at: Extract<Step, { at: 'confirm' }>) => {
    if (sending.current) return;
    sending.current = true;
    create.mutate(
      { ...at.request, confirmationToken: at.preview.confirmationToken },
      { onSuccess: (created) => go({ at: 'done', created }), onSettled: () => (sending.current = false) },
    );
  };

  const again = () => {
    setDraft(emptyDraft);
    setBase(null);
    setLookup(null);
    go({ at: 'form' });
  };

  return (
    <Stack>
      <PageTitle path="/refunds" />
      <PageDescription path="/refunds" />
      {step.at === 'form' && (
        <>
          {preview.error && !needsAmount(preview.error) && <RefundErrorAlert error={preview.error} during="preview" />}
          <RefundForm draft={draft} onChange={setDraft} onSubmit={lookUp} pending={preview.isPending} />
        </>
      )}
      {step.at === 'amount' && base && (
        <AmountStep
          lookup={step.lookup}
          initial={typedAmount}
          pending={preview.isPending}
          onBack={() => go({ at: 'form' })}
          onSubmit={(amount, typed) => {
            setTypedAmount(typed);
            previewFor({ ...base, amount });
          }}
        >
          {preview.error && <RefundErrorAlert error={preview.error} during="preview" />}
        </AmountStep>
      )}
      {step.at === 'confirm' && (
        <RefundConfirmation
          preview={step.preview}
          pending={create.isPending}
          onConfirm={() => confirm(step)}
          onBack={() => go(step.request.amount === undefined ? { at: 'form' } : { at: 'amount', lookup })}
        >
          {create.error && <RefundErrorAlert error={create.error} during="refund" />}
        </RefundConfirmation>
      )}
      {step.at === 'done' && <RefundResult created={step.created} onAgain={again} />}
      <Divider />
      <RecentRefunds />
    </Stack>
  );
}
