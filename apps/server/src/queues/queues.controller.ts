import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { queuesSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../platform/http/access.decorator';
import { redisUnavailable } from '../platform/http/problem';
import { QueuesService } from './queues.service';

class QueuesDto extends createZodDto(queuesSchema) {}

@ApiTags('queues')
@Controller('api/v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @Access({ scope: 'read_queues', role: 'viewer' })
  @ApiOperation({ summary: 'Jobs per queue and state, and the workers consuming each queue' })
  @ApiOkResponse({ type: QueuesDto })
  list() {
    return this.queues.counts().catch((error: unknown) => {
      throw redisUnavailable(`Redis does not answer: ${(error as Error).message}`);
    });
  }
}
