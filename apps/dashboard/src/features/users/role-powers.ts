import type { UserRole } from '@visapi/contracts/auth';

/** What each role may do (SPEC §3.3), completing "they …". */
export const ROLE_POWERS: Record<UserRole, string> = {
  viewer: 'read everything but secrets',
  operator: 'also trigger, retry, cancel and replay runs',
  admin: 'also manage API keys, workflows, templates and users',
};
