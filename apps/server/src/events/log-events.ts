import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LogService } from '../logs/log-write.service';
import { EventsPublisher } from './event-publisher';

/** `log.created` for every log row written, as GET /logs shows it (the writer returns the rows only while someone listens). */
@Injectable()
export class LogEvents implements OnModuleInit {
  constructor(
    private readonly logs: LogService,
    private readonly events: EventsPublisher,
  ) {}

  onModuleInit() {
    this.logs.onWritten({
      wanted: () => this.events.listening,
      written: (entries) => {
        for (const entry of entries) this.events.publish('log.created', entry);
      },
    });
  }
}
