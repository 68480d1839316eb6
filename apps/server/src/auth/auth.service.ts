import { Injectable } from '@nestjs/common';
import type { meSchema } from '@visapi/contracts';
import type { z } from 'zod';
import { LogService } from '../logs/log-write.service';
import type { Principal } from '../platform/http/principal';
import { UsersService } from '../users/users.service';
import { unauthorized } from './auth.guard';
import { SessionsService } from './sessions.service';

type Me = z.infer<typeof meSchema>;

/** Who is calling, and signing out: what the auth routes do besides magic links. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly logs: LogService,
  ) {}

  /** An API key is answered from memory; a user is read fresh (the role may have changed). */
  async me(principal: Principal): Promise<Me> {
    if (principal.kind === 'apiKey') return { kind: 'apiKey', id: principal.id, prefix: principal.prefix, scopes: principal.scopes };
    const user = await this.users.findById(principal.id);
    if (!user) throw unauthorized();
    return {
      kind: 'user',
      ...user,
      idleExpiresAt: principal.idleExpiresAt.toISOString(),
      absoluteExpiresAt: principal.absoluteExpiresAt.toISOString(),
    };
  }

  /** Ends a user's session at once (an API key has none); returns the cookie that clears it. */
  async signOut(principal: Principal): Promise<string> {
    if (principal.kind === 'user') {
      await this.sessions.revoke(principal.sessionId);
      this.logs.audit({ actorId: principal.id, action: 'auth.signed_out', target: `user:${principal.id}`, details: { actorType: 'user', sessionId: principal.sessionId } });
    }
    return this.sessions.clearCookie();
  }
}
