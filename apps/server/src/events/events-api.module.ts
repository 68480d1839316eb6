import { Module } from '@nestjs/common';
import { AuthCoreModule } from '../auth/auth-core.module';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { EventBacklog } from './event-backlog';
import { EventHub } from './event-hub';
import { EventsController } from './events.controller';
import { EventsCoreModule } from './events-core.module';
import { EventsService } from './events.service';

/** GET /api/v1/events and the stream hub behind it (gateway). */
@Module({
  imports: [EventsCoreModule, AuthCoreModule, QueuesCoreModule],
  controllers: [EventsController],
  providers: [EventsService, EventHub, EventBacklog],
})
export class EventsApiModule {}
