import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { Principal } from '../platform/http/principal';
import { SessionsService } from './sessions.service';

export type Authentication =
  | { outcome: 'none' }
  /** Credentials that do not verify: which kind (a session that ended sends its cookie still). */
  | { outcome: 'invalid'; credential: 'apiKey' | 'session' }
  | { outcome: 'ok'; principal: Principal };

/** Finds the credentials of a request: an API key (header) wins over a session cookie. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: SessionsService,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Authentication> {
    const key = apiKeyOf(request);
    if (key !== undefined) {
      const principal = await this.apiKeys.verify(key, request.ip);
      return principal ? { outcome: 'ok', principal } : { outcome: 'invalid', credential: 'apiKey' };
    }
    if (this.sessions.hasCookie(request)) {
      const principal = await this.sessions.resolve(request);
      return principal ? { outcome: 'ok', principal } : { outcome: 'invalid', credential: 'session' };
    }
    return { outcome: 'none' };
  }
}

/** `X-API-Key: <key>` or `Authorization: Bearer <key>`; '' for a header present but empty. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (header !== undefined) return (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  const authorization = request.headers.authorization;
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : '';
}
