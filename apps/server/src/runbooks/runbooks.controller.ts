import fs from 'node:fs/promises';
import path from 'node:path';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Config } from '../platform/config/config';
import { Public } from '../platform/http/access.decorator';
import { ProblemException } from '../platform/http/problem';
import { CONFIG } from '../platform/platform.module';

/** A runbook's file name: lower-case words and dashes, `.md`; nothing that could leave the folder. */
const RUNBOOK_FILE = /^[a-z0-9-]+\.md$/;

/**
 * GET /docs/runbooks/{name}.md: the repository's runbooks, read-only, so the links the API
 * gives (a refund problem's `runbook`) and the alert rules' `runbook_url` open on the
 * deployment itself. Public: they hold procedures, no data.
 */
@ApiTags('docs')
@Public()
@Controller('docs/runbooks')
export class RunbooksController {
  constructor(@Inject(CONFIG) private readonly config: Pick<Config, 'runbooksDir'>) {}

  @Get(':file')
  @ApiOperation({ summary: 'A runbook', description: 'The Markdown source of one runbook of docs/runbooks (docs/runbooks/index.md lists them).' })
  @ApiParam({ name: 'file', description: 'The runbook file name, `^[a-z0-9-]+\\.md$`', example: 'stripe-refund-failure.md' })
  @ApiProduces('text/markdown', 'application/problem+json')
  @ApiOkResponse({ description: 'The runbook, as `text/markdown; charset=utf-8`.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'No runbook by that name.' })
  async read(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = RUNBOOK_FILE.test(file) ? await fs.readFile(path.join(this.config.runbooksDir, file), 'utf8').catch(() => undefined) : undefined;
    if (text === undefined) throw new ProblemException('notFound', `No runbook ${JSON.stringify(file)} (docs/runbooks/index.md lists them).`);
    void reply.headers({ 'content-type': 'text/markdown; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' });
    return text;
  }
}
