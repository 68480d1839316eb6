import { Module } from '@nestjs/common';
import { LogQueryService } from './log-query.service';
import { LogsController } from './logs.controller';
import { LogsRepository } from './logs.repository';

/** GET /api/v1/logs (gateway). */
@Module({ controllers: [LogsController], providers: [LogQueryService, LogsRepository] })
export class LogsApiModule {}
