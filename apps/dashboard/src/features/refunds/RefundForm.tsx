import { Button, Group, NativeSelect, Radio, Stack, Textarea, TextInput } from '@mantine/core';
import type { RefundReason, RefundRequest } from '@visapi/contracts';
import { REFUND_REASONS, refundRequestSchema } from '@visapi/contracts/refunds';
import { type FormEvent, useState } from 'react';
import { REASON_LABELS } from './labels';

export type RefundKind = 'full' | 'partial';

/** What the operator typed in the first step; kept while they go back and forth. */
export interface RefundDraft {
  chargeId: string;
  reason: RefundReason | '';
  note: string;
  kind: RefundKind;
}

export const emptyDraft: RefundDraft = { chargeId: '', reason: '', note: '', kind: 'full' };

type Field = 'chargeId' | 'reason' | 'note';
const HINTS: Record<Field, string> = {
  chargeId: 'A Stripe charge id: ch_ (or py_) and letters and digits, e.g. ch_3MmlLrLkdIwHu7ix0snN0B15.',
  reason: 'Choose one of Stripe’s reasons.',
  note: 'At most 500 characters.',
};

interface RefundFormProps {
  draft: RefundDraft;
  onChange: (draft: RefundDraft) => void;
  /** The request without an amount: the preview looks the charge up first. */
  onSubmit: (request: RefundRequest) => void;
  pending: boolean;
}

/** Step 1: which charge, why, and whether all of what is left or part of it. */
export function RefundForm({ draft, onChange, onSubmit, pending }: RefundFormProps) {
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const set = (patch: Partial<RefundDraft>) => onChange({ ...draft, ...patch });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const note = draft.note.trim();
    const parsed = refundRequestSchema.safeParse({ chargeId: draft.chargeId.trim(), reason: draft.reason || undefined, note: note || undefined });
    if (!parsed.success) {
      const found: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]) as Field;
        found[field] ??= HINTS[field] ?? issue.message;
      }
      setErrors(found);
      return;
    }
    setErrors({});
    onSubmit(parsed.data);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Refund a charge">
      <Stack maw={560}>
        <TextInput
          label="Charge id"
          description="From Stripe’s dashboard or the payment’s receipt"
          placeholder="ch_…"
          required
          autoComplete="off"
          spellCheck={false}
          value={draft.chargeId}
          onChange={(e) => set({ chargeId: e.currentTarget.value })}
          error={errors.chargeId}
        />
        <NativeSelect
          label="Reason"
          required
          value={draft.reason}
          onChange={(e) => set({ reason: e.currentTarget.value as RefundReason | '' })}
          data={[{ value: '', label: 'Choose a reason…' }, ...REFUND_REASONS.map((r) => ({ value: r, label: REASON_LABELS[r] }))]}
          error={errors.reason}
        />
        <Textarea
          label="Note"
          description="Free text kept with the refund at Stripe (metadata) and in the audit log; optional"
          autosize
          minRows={2}
          maxLength={500}
          value={draft.note}
          onChange={(e) => set({ note: e.currentTarget.value })}
          error={errors.note}
        />
        <Radio.Group
          label="Amount"
          description="A partial amount is entered once the charge has been looked up and its currency is known."
          value={draft.kind}
          onChange={(value) => set({ kind: value as RefundKind })}
        >
          <Stack gap="xs" mt="xs">
            <Radio value="full" label="Everything not yet refunded" />
            <Radio value="partial" label="Part of it" />
          </Stack>
        </Radio.Group>
        <Group>
          <Button type="submit" loading={pending}>
            Preview
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
