-- Up Migration
-- Stripe refunds made by operators (SPEC §10, issue 14). One row per confirmation: the unique
-- `confirmation_digest` is what turns a double click, a retry or a second tab into one refund
-- (the second request waits on the first's uncommitted row, then replays it). Amounts are in the
-- currency's minor unit, as Stripe counts them. `stripe_refund_id` is null in sandbox (the
-- refund is kept in the outbox, never sent).
CREATE TABLE refunds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  charge_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('duplicate', 'fraudulent', 'requested_by_customer')),
  note text,
  stripe_refund_id text,
  status text NOT NULL CHECK (status IN ('succeeded', 'pending', 'failed', 'canceled', 'sandbox')),
  actor_id uuid,
  confirmation_digest text NOT NULL UNIQUE,
  idempotency_key text NOT NULL,
  sandbox boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- GET /api/v1/refunds: newest first, keyset-paginated on (created_at, id).
CREATE INDEX refunds_created_at_idx ON refunds (created_at DESC, id DESC);
CREATE INDEX refunds_charge_idx ON refunds (charge_id);

-- Down Migration
DROP TABLE refunds;
