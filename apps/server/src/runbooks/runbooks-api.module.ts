import { Module } from '@nestjs/common';
import { RunbooksController } from './runbooks.controller';

/** GET /docs/runbooks/{name}.md (gateway). */
@Module({ controllers: [RunbooksController] })
export class RunbooksApiModule {}
