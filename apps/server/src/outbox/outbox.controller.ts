import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { outboxMessageSchema, outboxQuerySchema, pageSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../platform/http/access.decorator';
import { OutboxService } from './outbox.service';

class OutboxPageDto extends createZodDto(pageSchema(outboxMessageSchema)) {}
class OutboxQueryDto extends createZodDto(outboxQuerySchema) {}

@ApiTags('outbox')
@Controller('api/v1/outbox')
export class OutboxController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({
    summary: 'Sandboxed messages',
    description: 'What connectors without credentials rendered instead of sending, exactly as it would have been sent; newest first, cursor-paginated.',
  })
  @ApiOkResponse({ type: OutboxPageDto })
  list(@Query() query: OutboxQueryDto) {
    return this.outbox.list({ connector: query.connector, runId: query.runId }, query.limit, query.cursor);
  }
}
