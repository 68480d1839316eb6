import { Module } from '@nestjs/common';
import { OutboxController } from './outbox.controller';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';

/** The outbox store, for the worker's connectors (no routes). */
@Module({ providers: [OutboxRepository], exports: [OutboxRepository] })
export class OutboxCoreModule {}

/** GET /api/v1/outbox. */
@Module({ imports: [OutboxCoreModule], controllers: [OutboxController], providers: [OutboxService] })
export class OutboxModule {}
