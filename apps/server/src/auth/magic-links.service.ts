import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { User } from '@visapi/contracts';
import type { FastifyRequest } from 'fastify';
import { LogService } from '../logs/log-write.service';
import { randomToken, sha256 } from '../platform/crypto/tokens';
import { ProblemException } from '../platform/http/problem';
import { Mailer } from '../platform/mail/mailer';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { UsersService } from '../users/users.service';
import { MagicLinksRepository } from './magic-links.repository';
import { SessionsService } from './sessions.service';

export const MAGIC_LINK_TTL_MS = 15 * 60_000;
/** Sign-in mails being sent at once, at most; more are dropped (and logged). */
const MAX_DELIVERIES = 1_000;

/** Passwordless sign-in (SPEC §3.3): a single-use link by mail, a session on verify. */
@Injectable()
export class MagicLinksService implements OnModuleDestroy {
  private readonly mailer: Mailer;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'ADMIN_EMAILS' | 'AUTH_ALLOWED_DOMAINS'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: MagicLinksRepository,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly logs: LogService,
  ) {
    this.mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM, logger.child({ context: 'mailer' }));
  }

  /** Mails and link inserts still running, so shutdown can let them finish. */
  private readonly deliveries = new Set<Promise<void>>();

  /**
   * Mails a sign-in link when the address may sign in, in the background: the caller answers
   * 202 at once either way, so neither the answer nor its timing says whether the address is
   * allowed (no account enumeration).
   */
  request(rawEmail: string, ip: string | undefined): void {
    if (this.deliveries.size >= MAX_DELIVERIES) {
      // A flood from many addresses: per-address limits let each through, memory must not grow.
      this.logger.warn({ inFlight: this.deliveries.size }, 'sign-in link not sent: too many mails in flight');
      return;
    }
    const delivery = this.deliver(rawEmail.trim().toLowerCase(), ip)
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not send a sign-in link'))
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async deliver(email: string, ip: string | undefined): Promise<void> {
    if (!this.maySignIn(email)) {
      this.logger.info({ domain: email.split('@')[1] }, 'magic link refused: domain not allowed');
      return;
    }
    const link = await this.createLink(email, ip);
    await this.mailer.send({
      to: email,
      subject: 'Your VisAPI sign-in link',
      text: `Sign in to VisAPI:\n\n${link}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this mail.`,
      html: `<p>Sign in to VisAPI:</p><p><a href="${link}">Sign in</a></p><p>The link works once, for 15 minutes. If you did not ask for it, ignore this mail.</p>`,
    });
  }

  /** A sign-in link for an address, without checks: the CLI's and first start's bootstrap. */
  async createLink(email: string, ip?: string): Promise<string> {
    const token = randomToken();
    await this.repository.insert({
      token_hash: sha256(token),
      email,
      expires_at: new Date(Date.now() + MAGIC_LINK_TTL_MS),
      request_ip: ip ?? null,
    });
    return `${this.config.PUBLIC_URL}/auth/callback?token=${token}`;
  }

  /** Uses the token up and opens a session; 401 for a used, expired or unknown token. */
  async verify(token: string, request: FastifyRequest): Promise<{ user: User; cookie: string }> {
    const email = await this.repository.consume(sha256(token));
    if (!email) throw new ProblemException('unauthorized', 'This sign-in link is used, expired or unknown: ask for a new one.');
    const { user, created } = await this.users.signIn(email, this.config.ADMIN_EMAILS.includes(email));
    const { sessionId, cookie } = await this.sessions.create(user.id, request);
    this.logs.audit({
      actorId: user.id,
      action: 'auth.signed_in',
      target: `user:${user.id}`,
      details: { actorType: 'user', sessionId, provisioned: created, role: user.role },
    });
    return { user, cookie };
  }

  private maySignIn(email: string): boolean {
    const { AUTH_ALLOWED_DOMAINS, ADMIN_EMAILS } = this.config;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return AUTH_ALLOWED_DOMAINS.includes(domain) || ADMIN_EMAILS.includes(email);
  }

  async onModuleDestroy() {
    await Promise.allSettled([...this.deliveries]);
    this.mailer.close();
  }
}
