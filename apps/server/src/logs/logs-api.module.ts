import { Module } from '@nestjs/common';
import { LogsController } from './logs.controller';
import { LogsRepository } from './logs.repository';
import { LogsQueryService } from './logs.service';

/** GET /api/v1/logs (gateway). */
@Module({ controllers: [LogsController], providers: [LogsQueryService, LogsRepository] })
export class LogsApiModule {}
