import { Module } from '@nestjs/common';
import { OutboxCoreModule } from '../outbox/outbox-core.module';
import { RefundsController } from './refunds.controller';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

/** /api/v1/refunds (gateway): operator refunds through Stripe (SPEC §10). */
@Module({ imports: [OutboxCoreModule], providers: [RefundsService, RefundsRepository], controllers: [RefundsController] })
export class RefundsApiModule {}
