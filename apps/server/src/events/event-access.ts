import { type EventType, USER_ROLES, type UserRole } from '@visapi/contracts';

/**
 * The least role that may receive each event, checked per client for every event. Viewers read
 * runs, logs and queues (SPEC §3.3), so all are viewer today; an event carrying more (a secret,
 * an admin-only resource) names its role here.
 */
export const EVENT_MIN_ROLE: Record<EventType, UserRole> = {
  'run.created': 'viewer',
  'run.updated': 'viewer',
  'log.created': 'viewer',
  'queues.counts': 'viewer',
  'stream.reset': 'viewer',
};

export const roleRank = (role: UserRole) => USER_ROLES.indexOf(role);

export const mayReceive = (role: UserRole, type: EventType) => roleRank(role) >= roleRank(EVENT_MIN_ROLE[type]);
