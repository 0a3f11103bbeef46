import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, ErrorCode, PROBLEM_CONTENT_TYPE } from '@app/contracts';
import { toProblem } from './problem';

/** What Node's HTTP parser (llhttp) and server raise before any request exists, as our codes. */
const CODE_OF_CLIENT_ERROR: Record<string, [ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'The request was not received in time.'],
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'The request line and headers are too large.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ['payload_too_large', 'The chunk extensions of the body are too large.'],
};

const MALFORMED: [ErrorCode, string] = ['malformed_request', 'The request is not well-formed HTTP.'];

/** The whole HTTP response, as bytes for the socket, that answers an error of Node's HTTP parser. */
export function clientErrorResponse(error: NodeJS.ErrnoException): string {
  const [code, detail] = CODE_OF_CLIENT_ERROR[error.code ?? ''] ?? MALFORMED;
  return rawProblemResponse(code, detail);
}

/** A complete problem+json response written straight on a socket (there is no request to answer through). */
export function rawProblemResponse(code: ErrorCode, detail: string): string {
  const problem = toProblem(new AppError(code, detail));
  const body = JSON.stringify(problem);
  return [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${randomUUID()}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** A socket as Node's HTTP server keeps it: the response being written on it, if any. */
type HttpSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/**
 * Node's `clientError`, raised for what never became a request (malformed framing, headers too large, a request
 * too slow): answered as problem+json, like everything else, when nothing else is being written on the socket,
 * then the connection is closed (its framing is lost). A reset connection is gone already.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Node's own rule: a response already under way on this connection must not get another one mid-stream.
  if (socket.writable && !(socket as HttpSocket)._httpMessage?.headersSent) {
    socket.write(clientErrorResponse(error));
  }
  socket.destroy();
}
