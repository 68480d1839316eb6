import { Module } from '@nestjs/common';
import { OutboxController } from './outbox.controller';
import { OutboxCoreModule } from './outbox-core.module';

/** GET /api/v1/outbox (gateway). */
@Module({ imports: [OutboxCoreModule], controllers: [OutboxController] })
export class OutboxApiModule {}
