import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { logEntrySchema, logsQuerySchema, pageSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../platform/http/access.decorator';
import { LogQueryService } from './log-query.service';

class LogsQueryDto extends createZodDto(logsQuerySchema) {}
class LogPageDto extends createZodDto(pageSchema(logEntrySchema)) {}

@ApiTags('logs')
@Controller('api/v1/logs')
export class LogsController {
  constructor(private readonly logs: LogQueryService) {}

  @Get()
  @Access({ scope: 'read_logs', role: 'viewer' })
  @ApiOperation({ summary: 'Search the logs', description: 'Newest first, cursor-paginated; PII is redacted before rows are written. sinceId keeps only rows newer than that log id (a live tail catching up after a reconnect).' })
  @ApiOkResponse({ type: LogPageDto })
  find(@Query() query: LogsQueryDto) {
    return this.logs.find(query);
  }
}
