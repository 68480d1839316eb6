import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';

/** The outbox without routes: the store the worker's connectors write in the sandbox. */
@Module({ providers: [OutboxService, OutboxRepository], exports: [OutboxService] })
export class OutboxCoreModule {}
