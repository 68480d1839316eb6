import { Controller, HttpCode, Module, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../platform/http/access.decorator';
import { QueuesCoreModule } from '../queues/queues-core.module';
import { QueuesService } from '../queues/queues.service';

/**
 * The benchmark's floor (SPEC §13): a route that does nothing but add a job, to compare
 * ingestion with. Mounted only with VISAPI_BENCH_ROUTES=true; never in the API document.
 */
@ApiExcludeController()
@Controller('bench')
class BenchController {
  constructor(private readonly queues: QueuesService) {}

  @Post('enqueue')
  @HttpCode(202)
  @Public()
  async enqueue() {
    await this.queues.add('maintenance', 'bench.noop', { v: 1 }, { removeOnComplete: true, removeOnFail: true });
    return { status: 'queued' };
  }
}

@Module({ imports: [QueuesCoreModule], controllers: [BenchController] })
export class BenchRoutesApiModule {}
