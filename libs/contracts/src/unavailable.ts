/**
 * Which failures are the infrastructure's for now rather than a bug or the request's fault: a database or an
 * object store that cannot be reached, is restarting, or answers with trouble of its own, and a disk that is
 * full or failing. The API answers them 503 service_unavailable (with Retry-After) and the workers try again.
 * They are told apart by shape (error codes, SQLSTATEs, the AWS SDK's metadata), so that neither app needs
 * the drivers' classes.
 */
export function isUnavailable(error: unknown): boolean {
  return causesOf(error).some(isUnavailableItself);
}

/** Sockets that would not open or broke: the peer is down, restarting or out of reach (DNS included). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  // undici's (fetch's) names for the same
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The local disk: full, over quota, read-only, failing, or out of file descriptors. */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EMFILE', 'ENFILE']);

/**
 * PostgreSQL's SQLSTATEs of a server going away or refusing sessions: 57P01 admin_shutdown, 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery); class 08, connection
 * exceptions; class 53, insufficient resources (too many connections, disk full, out of memory).
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const SQLSTATE_CLASSES = ['08', '53'];

/**
 * The messages of node-postgres' own failures, which carry no code: a connection that ended under a query,
 * a connect that timed out, a pool that could not hand out a client in time.
 */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

interface ErrorShape {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function isUnavailableItself(error: ErrorShape): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  if (NETWORK_CODES.has(code) || DISK_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && (SQLSTATES.has(code) || SQLSTATE_CLASSES.includes(code.slice(0, 2)))) {
    return true;
  }
  // The AWS SDK: its socket timeout, or the service answering 5xx (InternalError, SlowDown, ServiceUnavailable).
  if (error.name === 'TimeoutError') return true;
  const status = error.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  // The SDK got no answer at all; a cause it could not recognise as an Error (one from another realm, as under
  // jest) it keeps only as text in its message.
  if (error.$metadata && status === undefined && typeof error.message === 'string') {
    if (error.message.split(/[^A-Z_]+/).some((word) => NETWORK_CODES.has(word))) return true;
  }
  return code === '' && typeof error.message === 'string' && PG_MESSAGES.test(error.message);
}

/** The error and what it wraps: TypeORM's `driverError`, `cause`, an AggregateError's `errors`; a few levels deep. */
function causesOf(error: unknown, depth = 0): ErrorShape[] {
  if (typeof error !== 'object' || error === null || depth > 3) return [];
  const wrapper = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  const inner = [wrapper.driverError, wrapper.cause, ...(Array.isArray(wrapper.errors) ? wrapper.errors : [])];
  return [error as ErrorShape, ...inner.flatMap((one) => causesOf(one, depth + 1))];
}
