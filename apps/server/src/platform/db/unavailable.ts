/**
 * Whether an error says the database could not be reached or dropped the connection (as
 * opposed to refusing a statement): a refused or reset connection, a pool that could not
 * connect in time, PostgreSQL shutting down or starting up, or SQLSTATE class 08 (connection
 * exception). Such a failure is an outage to wait out or answer 503 for, never a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('08') || SHUTDOWN_CODES.has(code))) return true;
  return MESSAGES.some((pattern) => pattern.test(error.message));
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down). */
const SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);
/** pg and pg-pool's own words for a lost or unobtainable connection (their errors carry no code). */
const MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /^Client has encountered a connection error/, /^database did not answer within/];
