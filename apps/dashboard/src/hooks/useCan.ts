import { USER_ROLES, type UserRole } from '@visapi/contracts/auth';
import { useMe } from '../api/auth';

/** Whether a role includes another's powers (viewer < operator < admin, SPEC §3.3). */
export const roleAtLeast = (role: UserRole, minimum: UserRole) => USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(minimum);

/**
 * Whether the signed-in user has at least this role: what the navigation and buttons show.
 * The server checks every request regardless.
 */
export function useCan(minimum: UserRole): boolean {
  const { data: me } = useMe();
  return me?.kind === 'user' && roleAtLeast(me.role, minimum);
}
