import { Inject, Injectable } from '@nestjs/common';
import type { Selectable } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database';
import { before, exactCreatedAt } from '../platform/db/keyset';
import type { RefundsTable, RefundStatus } from '../platform/db/schema';
import { DATABASE } from '../platform/platform.module';

export type RefundRow = Selectable<RefundsTable>;

export interface NewRefund {
  chargeId: string;
  amount: number;
  currency: string;
  reason: RefundRow['reason'];
  note: string | null;
  actorId: string | null;
  confirmationDigest: string;
  idempotencyKey: string;
  sandbox: boolean;
}

export type Claim = { created: true; row: RefundRow } | { created: false; row: RefundRow };

@Injectable()
export class RefundsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Makes the refund of one confirmation at most once. The row is inserted in a transaction
   * that stays open while `perform` runs (the Stripe call): a concurrent request for the same
   * confirmation blocks on the unique digest until it ends, then finds the committed row (and
   * replays it) or, when `perform` threw and rolled back, makes its own attempt under the same
   * Idempotency-Key. So no uncommitted "in flight" state is ever visible to the list.
   */
  claim(values: NewRefund, perform: () => Promise<{ status: RefundStatus; stripeRefundId: string | null }>): Promise<Claim> {
    return this.database.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('refunds')
        .values({
          charge_id: values.chargeId,
          amount: values.amount,
          currency: values.currency,
          reason: values.reason,
          note: values.note,
          actor_id: values.actorId,
          confirmation_digest: values.confirmationDigest,
          idempotency_key: values.idempotencyKey,
          sandbox: values.sandbox,
          status: values.sandbox ? 'sandbox' : 'pending',
        })
        .onConflict((oc) => oc.column('confirmation_digest').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const row = await tx.selectFrom('refunds').selectAll().where('confirmation_digest', '=', values.confirmationDigest).executeTakeFirstOrThrow();
        return { created: false, row };
      }
      const result = await perform();
      const row = await tx
        .updateTable('refunds')
        .set({ status: result.status, stripe_refund_id: result.stripeRefundId })
        .where('id', '=', inserted.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { created: true, row };
    });
  }

  findByDigest(digest: string): Promise<RefundRow | undefined> {
    return this.database.db.selectFrom('refunds').selectAll().where('confirmation_digest', '=', digest).executeTakeFirst();
  }

  list(limit: number, after?: { at: string; id: string }) {
    let query = this.database.db.selectFrom('refunds').selectAll().select(exactCreatedAt().as('at')).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
    if (after) query = query.where(before(after, 'uuid'));
    return query.execute();
  }
}
