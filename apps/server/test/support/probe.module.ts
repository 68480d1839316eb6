import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Access, Public } from '../../src/platform/http/access.decorator';

class EchoDto extends createZodDto(
  z.object({ name: z.string().min(1), tags: z.array(z.string()).max(3).optional() }).strict(),
) {}

/** Holds GET /test/slow until released (shutdown tests); `entered` resolves when one waits. */
export const slowGate = {
  entered: Promise.resolve(),
  release: () => undefined as void,
  onEnter: () => undefined as void,
  reset() {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    this.entered = new Promise<void>((r) => (this.onEnter = r));
    this.release = release;
    return released;
  },
  released: Promise.resolve(),
};

/**
 * Routes that exist only in tests, to exercise the HTTP layer the real routes stand on:
 * body parsing, validation, unexpected errors, and requests in flight during shutdown.
 */
@Public()
@Controller('test')
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoDto) {
    return { received: body };
  }

  /** A rule with a scope and no role: API keys only. */
  @Get('key-only')
  @Access({ scope: 'read_logs' })
  keyOnly() {
    return { ok: true };
  }

  @Get('boom')
  boom() {
    throw new Error('secret internal detail');
  }

  @Get('slow')
  async slow() {
    slowGate.onEnter();
    await slowGate.released;
    return { done: true };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
