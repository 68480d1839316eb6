import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QUEUE_NAMES, QUEUE_STATES, queuesSchema } from '@visapi/contracts';
import { createZodDto } from 'nestjs-zod';
import { Access } from '../platform/http/access.decorator';
import { ProblemException } from '../platform/http/problem';
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
  async list() {
    const queues = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.queues.get(name);
        const [counts, workers] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.getWorkersCount()]);
        return { name, counts, workers };
      }),
    ).catch((error: unknown) => {
      throw new ProblemException('unavailable', `Redis does not answer: ${(error as Error).message}`);
    });
    return { queues };
  }
}
