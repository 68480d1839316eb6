import { Body, Controller, Get, Module, Post, UsePipes } from '@nestjs/common';
import { createZodDto, ZodValidationPipe } from 'nestjs-zod';
import { z } from 'zod';

class EchoDto extends createZodDto(
  z.object({ name: z.string().min(1), tags: z.array(z.string()).max(3).optional() }).strict(),
) {}

/** Resolves the slow route's pending requests (shutdown tests). */
export const slowGate = { release: () => undefined as void, started: Promise.resolve() };

/**
 * Routes that exist only in tests, to exercise the HTTP layer the real routes stand on:
 * body parsing, validation, unexpected errors, and requests in flight during shutdown.
 */
@Controller('test')
class ProbeController {
  @Post('echo')
  @UsePipes(ZodValidationPipe)
  echo(@Body() body: EchoDto) {
    return { received: body };
  }

  @Get('boom')
  boom() {
    throw new Error('secret internal detail');
  }

  @Get('slow')
  async slow() {
    await new Promise<void>((resolve) => {
      slowGate.release = resolve;
    });
    return { done: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
