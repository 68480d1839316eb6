import { Module } from '@nestjs/common';
import { EventsPublisher } from './event-publisher';
import { ListenerWatch } from './listener-watch';
import { LogEvents } from './log-events';

/**
 * The live events' publishing side, in every role: other features inject EventsPublisher
 * (runs: run.created / run.updated); log rows are published through the log writer's hook.
 */
@Module({ providers: [ListenerWatch, EventsPublisher, LogEvents], exports: [ListenerWatch, EventsPublisher] })
export class EventsCoreModule {}
