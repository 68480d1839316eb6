import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import type { RefundPreview } from '@visapi/contracts';
import { type FormEvent, type ReactNode, useState } from 'react';
import { currencyDigits, formatMoney, parseMoney } from '../../lib/format';
import { FocusedHeading } from './FocusedHeading';

interface AmountStepProps {
  /** The charge as the look-up found it; null when nothing was looked up (sandbox refused the look-up). */
  lookup: RefundPreview | null;
  initial: string;
  onSubmit: (amount: number, typed: string) => void;
  onBack: () => void;
  pending: boolean;
  children?: ReactNode;
}

/** An integer of minor units, for the sandbox without a look-up (no currency to read major units in). */
function parseMinorUnits(text: string): { ok: true; amount: number } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!/^\d{1,8}$/.test(trimmed)) return { ok: false, error: 'A whole number of minor units (cents), at most 99999999' };
  const amount = Number(trimmed);
  return amount > 0 ? { ok: true, amount } : { ok: false, error: 'Enter an amount greater than zero' };
}

/**
 * Step 2 of a partial refund: the charge has been looked up, so its currency is known and the
 * amount is typed in its major units ("12.50" USD, "500" JPY), then converted exactly.
 */
export function AmountStep({ lookup, initial, onSubmit, onBack, pending, children }: AmountStepProps) {
  const [typed, setTyped] = useState(initial);
  const [error, setError] = useState<string>();
  const currency = lookup?.currency;
  const charge = lookup?.charge;
  const remaining = charge ? charge.amount - charge.amountRefunded : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = currency ? parseMoney(typed, currency) : parseMinorUnits(typed);
    if (!parsed.ok) return setError(parsed.error);
    if (currency && remaining !== null && parsed.amount > remaining) {
      return setError(`At most ${formatMoney(remaining, currency)}: the part of the charge not yet refunded`);
    }
    setError(undefined);
    onSubmit(parsed.amount, typed);
  };

  const digits = currency ? currencyDigits(currency) : 0;
  const description = currency
    ? `In ${currency.toUpperCase()}, ${digits === 0 ? 'a whole number' : `up to ${digits} decimals, a dot before them`}${remaining !== null ? `; at most ${formatMoney(remaining, currency)}` : ''}`
    : 'In the currency’s smallest unit: 1999 for $19.99, 500 for ¥500';

  return (
    <form onSubmit={submit} noValidate aria-label="Amount to refund">
      <Stack maw={560}>
        <FocusedHeading>How much to refund?</FocusedHeading>
        {charge && currency && (
          <Text size="sm">
            Charge <code>{lookup.chargeId}</code>: {formatMoney(charge.amount, currency)}, of which {formatMoney(charge.amountRefunded, currency)} already refunded.
          </Text>
        )}
        {!charge && (
          <Text size="sm" c="dimmed">
            Sandbox: no charge is looked up at Stripe{currency ? `, the amount is read in ${currency.toUpperCase()}` : ', so its currency is not known here'}. The next screen shows the amount formatted before anything is confirmed.
          </Text>
        )}
        <TextInput
          label={currency ? `Amount (${currency.toUpperCase()})` : 'Amount (minor units)'}
          description={description}
          required
          inputMode={digits === 0 ? 'numeric' : 'decimal'}
          autoComplete="off"
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          error={error}
        />
        {children}
        <Group>
          <Button variant="default" onClick={onBack}>
            Back
          </Button>
          <Button type="submit" loading={pending}>
            Preview
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
