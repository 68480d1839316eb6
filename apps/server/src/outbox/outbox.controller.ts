import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type OutboxMessage, outboxMessageSchema, outboxQuerySchema, pageSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../auth/access.decorator';
import { keyset } from '../platform/http/cursor';
import { OutboxRepository } from './outbox.repository';

class OutboxPageDto extends createZodDto(pageSchema(outboxMessageSchema)) {}
class OutboxQueryDto extends createZodDto(outboxQuerySchema) {}

@ApiTags('outbox')
@Controller('api/v1/outbox')
export class OutboxController {
  constructor(private readonly outbox: OutboxRepository) {}

  @Get()
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({
    summary: 'Sandboxed messages',
    description: 'What connectors without credentials rendered instead of sending, exactly as it would have been sent; newest first, cursor-paginated.',
  })
  @ApiOkResponse({ type: OutboxPageDto })
  async list(@Query() query: OutboxQueryDto): Promise<{ items: OutboxMessage[]; nextCursor: string | null }> {
    const { take, after, page } = keyset(query.cursor, query.limit);
    const rows = await this.outbox.list({ connector: query.connector, runId: query.runId }, take, after);
    return page(rows, (row) => ({
      id: row.id,
      connector: row.connector,
      runId: row.run_id,
      stepId: row.step_id,
      recipient: row.recipient,
      payload: row.payload as Record<string, unknown>,
      createdAt: row.created_at.toISOString(),
    }));
  }
}
