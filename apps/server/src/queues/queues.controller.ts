import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { queuesSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../platform/http/access.decorator';
import { RETRY_AFTER_ONE, redisUnavailable } from '../platform/http/problem';
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
  @ApiServiceUnavailableResponse({ headers: RETRY_AFTER_ONE, description: 'The queues could not be read (Redis does not answer): retry shortly.' })
  list() {
    return this.queues.counts().catch(() => {
      throw redisUnavailable('The queues could not be read (Redis does not answer): retry shortly.');
    });
  }
}
