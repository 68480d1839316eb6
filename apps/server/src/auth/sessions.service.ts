import { Inject, Injectable } from '@nestjs/common';
import { BACKGROUND_HEADER, type UserRole } from '@visapi/contracts';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../platform/crypto/tokens';
import { CONFIG } from '../platform/platform.module';
import type { Config } from '../platform/config/config';
import { FailedLookups } from '../rate-limit/failed-lookups';
import type { Principal } from '../platform/http/principal';
import { SessionsRepository } from './sessions.repository';

export const SESSION_COOKIE = 'visapi_session';
export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** last_seen_at is written at most this often; the idle timeout is exact to within it. */
const TOUCH_EVERY_MS = 60_000;

/** Routes declared with `@RouteConfig({ background: true })` (the event stream, which cannot send headers). */
const isBackgroundRoute = (request: FastifyRequest) => (request.routeOptions.config as { background?: boolean } | undefined)?.background === true;

function isLive(session: { revoked_at: Date | null; absolute_expires_at: Date; last_seen_at: Date }, now: number): boolean {
  return !session.revoked_at && session.absolute_expires_at.getTime() > now && session.last_seen_at.getTime() + IDLE_TIMEOUT_MS > now;
}

/** Server-side sessions behind an HttpOnly cookie (SPEC §3.3). */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'PUBLIC_URL'>,
    private readonly repository: SessionsRepository,
    private readonly failedLookups: FailedLookups,
  ) {}

  async create(userId: string, request: FastifyRequest): Promise<{ sessionId: string; cookie: string }> {
    const token = randomToken();
    const { id } = await this.repository.insert({
      token_hash: sha256(token),
      user_id: userId,
      absolute_expires_at: new Date(Date.now() + ABSOLUTE_TIMEOUT_MS),
      ip: request.ip ?? null,
      user_agent: request.headers['user-agent']?.slice(0, 500) ?? null,
    });
    return { sessionId: id, cookie: this.cookie(token, ABSOLUTE_TIMEOUT_MS / 1000) };
  }

  /** The signed-in user of a request's session cookie, when it is valid now. */
  async resolve(request: FastifyRequest): Promise<Principal | undefined> {
    const token = this.tokenOf(request);
    if (!token) return undefined;
    const tokenHash = sha256(token);
    const credential = `session:${tokenHash.toString('base64url')}`;
    this.failedLookups.check(request.ip, credential);
    const session = await this.repository.findByTokenHash(tokenHash);
    const now = Date.now();
    if (!session || !isLive(session, now)) {
      void this.failedLookups.failed(request.ip);
      return undefined;
    }
    this.failedLookups.succeeded(credential);
    let lastSeen = session.last_seen_at.getTime();
    // Polling and the event stream must not keep an unattended dashboard signed in.
    const background = request.headers[BACKGROUND_HEADER] === '1' || isBackgroundRoute(request);
    if (!background && now - lastSeen >= TOUCH_EVERY_MS) {
      await this.repository.touch(session.id);
      lastSeen = now;
    }
    return {
      kind: 'user',
      id: session.user_id,
      email: session.email,
      role: session.role,
      sessionId: session.id,
      idleExpiresAt: new Date(lastSeen + IDLE_TIMEOUT_MS),
      absoluteExpiresAt: session.absolute_expires_at,
    };
  }

  /**
   * The current role of each of these sessions that is still valid (not revoked, not past its
   * idle or absolute limit); a long-lived request (the event stream) re-checks its session so.
   */
  async currentRoles(sessionIds: string[]): Promise<Map<string, UserRole>> {
    const now = Date.now();
    const roles = new Map<string, UserRole>();
    for (const session of await this.repository.findByIds(sessionIds)) {
      if (isLive(session, now)) roles.set(session.id, session.role);
    }
    return roles;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.repository.revoke(sessionId);
  }

  /** A Set-Cookie value that removes the session cookie. */
  clearCookie(): string {
    return this.cookie('', 0);
  }

  hasCookie(request: FastifyRequest): boolean {
    return this.tokenOf(request) !== undefined;
  }

  private tokenOf(request: FastifyRequest): string | undefined {
    const header = request.headers.cookie;
    if (!header) return undefined;
    const token = parseCookie(header)[SESSION_COOKIE];
    return token && token.length <= 100 ? token : undefined;
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    return serializeCookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.PUBLIC_URL.startsWith('https:'),
      path: '/',
      maxAge: maxAgeSeconds,
    });
  }
}
