import { Duplex } from 'node:stream';
import { answerClientError, clientErrorResponse } from './client-error';

const errorWithCode = (code: string) => Object.assign(new Error(code), { code });

/** A socket that records what is written on it and whether it was destroyed. */
function fakeSocket(response?: { headersSent: boolean }): { socket: Duplex; written: string[] } {
  const written: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  Object.assign(socket, { _httpMessage: response ?? null });
  return { socket, written };
}

/** The status line, the headers and the parsed body of a raw HTTP response. */
function parse(response: string) {
  const [head, body] = response.split('\r\n\r\n');
  const [statusLine, ...headers] = head.split('\r\n');
  return {
    statusLine,
    headers: Object.fromEntries(headers.map((line) => line.split(': ') as [string, string])),
    body: JSON.parse(body),
  };
}

describe('answerClientError', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', '408 Request Timeout', 'request_timeout'],
    ['HPE_HEADER_OVERFLOW', '431 Request Header Fields Too Large', 'headers_too_large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', '413 Payload Too Large', 'payload_too_large'],
    ['HPE_INVALID_METHOD', '400 Bad Request', 'malformed_request'],
    ['HPE_SOMETHING_NEW', '400 Bad Request', 'malformed_request'],
  ])('answers %s with a complete problem+json %s, then closes the socket', (code, status, problemCode) => {
    const { socket, written } = fakeSocket();
    answerClientError(errorWithCode(code), socket);
    expect(written).toHaveLength(1);
    const { statusLine, headers, body } = parse(written[0]);
    expect(statusLine).toBe(`HTTP/1.1 ${status}`);
    expect(headers['Content-Type']).toMatch(/^application\/problem\+json/);
    expect(headers['Connection']).toBe('close');
    expect(Number(headers['Content-Length'])).toBe(Buffer.byteLength(written[0].split('\r\n\r\n')[1]));
    expect(body).toEqual({
      type: `urn:clouddrive:problem:${problemCode}`,
      title: expect.stringMatching(/\S/),
      status: Number(status.slice(0, 3)),
      detail: expect.stringMatching(/^\S.*\.$/),
      code: problemCode,
    });
    expect(socket.destroyed).toBe(true);
  });

  it('writes nothing on a reset connection, nor on one already destroyed', () => {
    const reset = fakeSocket();
    answerClientError(errorWithCode('ECONNRESET'), reset.socket);
    expect(reset.written).toEqual([]);
    const gone = fakeSocket();
    gone.socket.destroy();
    answerClientError(errorWithCode('HPE_INVALID_METHOD'), gone.socket);
    expect(gone.written).toEqual([]);
  });

  it('does not write into a response already under way on the connection, but still closes it', () => {
    const { socket, written } = fakeSocket({ headersSent: true });
    answerClientError(errorWithCode('HPE_INVALID_METHOD'), socket);
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });

  it('gives each answer its own X-Request-Id', () => {
    const ids = [1, 2].map(
      () => parse(clientErrorResponse(errorWithCode('HPE_INVALID_METHOD'))).headers['X-Request-Id'],
    );
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });
});
