import { Injectable } from '@nestjs/common';
import type { User, UserRole } from '@visapi/contracts';
import { actor, type Principal } from '../platform/http/principal';
import { LogService } from '../logs/log-write.service';
import { keyset } from '../platform/http/cursor';
import { ProblemException } from '../platform/http/problem';
import { type UserRow, UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly logs: LogService,
  ) {}

  async findById(id: string): Promise<User | undefined> {
    const row = await this.repository.findById(id);
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.repository.findByEmail(email);
    return row && toUser(row);
  }

  /** Just-in-time provisioning at sign-in; an ADMIN_EMAILS address is promoted to admin. */
  async signIn(email: string, isAdmin: boolean): Promise<{ user: User; created: boolean }> {
    const { user, created } = await this.repository.signIn(email, isAdmin);
    return { user: toUser(user), created };
  }

  hasAdmin(): Promise<boolean> {
    return this.repository.hasAdmin();
  }

  /** The first start's admin: created, or promoted, without an audit row (nobody acted). */
  async ensureAdmin(email: string): Promise<User> {
    const user = await this.repository.createIfMissing(email, 'admin');
    if (user.role === 'admin') return toUser(user);
    return toUser((await this.repository.setRole(user.id, 'admin'))!);
  }

  async list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor: string | null }> {
    const { take, after, page } = keyset(cursor, limit);
    return page(await this.repository.list(take, after), toUser);
  }

  /** Takes effect at once: sessions read the role on every request. The last admin stays admin (409). */
  async setRole(id: string, role: UserRole, by?: Principal): Promise<User> {
    const before = await this.repository.findById(id);
    if (!before) throw new ProblemException('notFound', 'No user has this id.');
    const after = await this.repository.setRoleKeepingAnAdmin(id, role);
    if (!after) throw new ProblemException('conflict', `${before.email} is the last admin: make another user admin first.`);
    const who = actor(by);
    this.logs.audit({
      actorId: who.actorId,
      action: 'user.role_changed',
      target: `user:${id}`,
      details: { actorType: who.actorType, from: before.role, to: role },
    });
    return toUser(after);
  }

  async setRoleByEmail(email: string, role: UserRole, by?: Principal): Promise<User> {
    const user = await this.repository.findByEmail(email);
    if (!user) throw new ProblemException('notFound', `No user has the address ${email}: they appear after their first sign-in.`);
    return this.setRole(user.id, role, by);
  }
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    lastSignInAt: row.last_sign_in_at?.toISOString() ?? null,
  };
}
