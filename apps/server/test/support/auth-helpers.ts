import type { CreateApiKey, Scope, UserRole } from '@visapi/contracts';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { MagicLinksService } from '../../src/auth/magic-links.service';
import { UsersRepository } from '../../src/users/users.repository';
import type { TestApp } from './test-app';

/** An API key made through the real service, for tests that need credentials. */
export async function createKey(t: TestApp, scopes: Scope[], extra: Partial<CreateApiKey> = {}) {
  return t.app.get(ApiKeysService).create({ label: 'test', scopes, ...extra });
}

/** Signs a user in through the real magic-link flow (token made without mail) and returns the cookie. */
export async function signIn(t: TestApp, email: string, role?: UserRole): Promise<{ cookie: string; userId: string }> {
  if (role) await t.app.get(UsersRepository).createIfMissing(email, role).then((u) => t.app.get(UsersRepository).setRole(u.id, role));
  const link = new URL(await t.app.get(MagicLinksService).createLink(email));
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/verify', payload: { token: link.searchParams.get('token') } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, userId: res.json().id };
}

/** Headers of a same-origin dashboard request with a session. */
export const sessionHeaders = (cookie: string, origin = 'http://localhost:3000') => ({ cookie, origin });
