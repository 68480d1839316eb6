import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { createFileLinkSchema, fileLinkSchema } from '@visapi/contracts';
import { attachmentDisposition } from './content-disposition';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { Access, Public } from '../platform/http/access.decorator';
import { FilesService } from './files.service';

class CreateFileLinkDto extends createZodDto(createFileLinkSchema) {}
class FileLinkDto extends createZodDto(fileLinkSchema) {}

/** GET /files/{key}: the local driver's signed downloads. No session: the signature is the credential. */
@ApiTags('files')
@Controller('files')
export class FileDownloadsController {
  constructor(private readonly files: FilesService) {}

  @Get('*')
  // A bucket of its own, generous: applicants behind one carrier address open their letters
  // (docs/storage.md); the sign-in limit would refuse them.
  @Public({ ipRateLimit: 'fileDownload' })
  @ApiOperation({
    summary: 'Download a stored file (local storage driver)',
    description:
      'The link a pdf.generate or image.process step returns, or one minted by POST /api/v1/files/links: HMAC-signed with FILE_SIGNING_KEY over the key and the expiry. Served as an attachment under its stored filename, never as a page of this origin (`Content-Security-Policy: sandbox`). With STORAGE_DRIVER=s3 links point at S3 and this route answers 404.',
  })
  @ApiParam({ name: 'path', description: 'The storage key (the rest of the path), `<prefix>/<yyyy-mm-dd>/<uuid>.<ext>`', example: 'pdf/2026-11-30/3f2504e0-4f89-41d3-9a0c-0305e82c3301.pdf' })
  @ApiQuery({ name: 'expires', description: 'Unix seconds after which the link is refused', required: true })
  @ApiQuery({ name: 'signature', description: 'base64url HMAC-SHA256 of the key and expires', required: true })
  @ApiProduces('application/octet-stream', 'application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'application/problem+json')
  @ApiOkResponse({ description: 'The bytes, with Content-Type, Content-Disposition: attachment and Cache-Control: private up to the expiry.' })
  @ApiForbiddenResponse({ description: 'The link has expired, or its key, expiry or signature was changed.' })
  @ApiNotFoundResponse({ description: 'The link is valid but the file is no longer stored (the lifecycle job deleted it).' })
  async download(@Req() request: FastifyRequest, @Query('expires') expires: unknown, @Query('signature') signature: unknown, @Res() reply: FastifyReply) {
    const key = (request.params as Record<string, string>)['*'] ?? '';
    const { file, secondsLeft } = await this.files.download(key, single(expires), single(signature));
    return reply
      .headers({
        'content-type': file.contentType,
        'content-length': file.bytes,
        'content-disposition': attachmentDisposition(file.filename),
        'x-content-type-options': 'nosniff',
        'cache-control': `private, max-age=${secondsLeft}`,
        // A stored file never runs as a page of our origin, even opened directly.
        'content-security-policy': "sandbox; default-src 'none'",
      })
      .send(file.body);
  }
}

/** A repeated query parameter is not a valid link. */
const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** POST /api/v1/files/links: the dashboard opens a run's file through a fresh 5-minute link. */
@ApiTags('files')
@Controller('api/v1/files')
export class FileLinksController {
  constructor(private readonly files: FilesService) {}

  @Post('links')
  @HttpCode(201)
  @Access({ scope: 'read_runs', role: 'viewer' })
  @ApiOperation({
    summary: 'A fresh download link for a stored file',
    description: 'For a step output’s `key` (the 24-hour `url` in step outputs is redacted). The link is valid 5 minutes.',
  })
  @ApiCreatedResponse({ type: FileLinkDto })
  @ApiBadRequestResponse({ description: 'The body is not `{ key }`.' })
  @ApiNotFoundResponse({ description: 'The key is not a storage key, or no file is stored under it.' })
  link(@Body() body: CreateFileLinkDto) {
    return this.files.link(body.key);
  }
}
