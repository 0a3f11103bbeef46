import { randomBytes } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { FileDrive, Upload } from './support/drive-files';
import { openConnection, RawConnection } from './support/raw-connection';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

/** The request line and headers of a raw request to `url` (its path and query), with the blank line. */
function head(method: string, url: string, headers: Record<string, string | number> = {}): string {
  const { pathname, search, host } = new URL(url);
  const lines = Object.entries({ Host: host, ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `${method} ${pathname}${search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `body` in `parts` pieces, `gapMs` apart: slower than the body timeout in all, each gap within the idle one. */
async function trickle(connection: RawConnection, body: Buffer, parts: number, gapMs: number): Promise<void> {
  const size = Math.ceil(body.length / parts);
  for (let start = 0; start < body.length && !connection.socket.destroyed; start += size) {
    // The server may close the connection mid-way: that is what some tests wait for.
    if (
      !(await connection.write(body.subarray(start, start + size)).then(
        () => true,
        () => false,
      ))
    )
      return;
    await pause(gapMs);
  }
}

const HEALTHY = /\r\n\r\n\{"status":"healthy"\}/;

describe('slow clients are cut off', () => {
  // Short limits so the suite runs in seconds; the assertions are on what the server closed, not on when.
  const HEADERS_S = 1;
  const BODY_S = 1;
  const IDLE_S = 2;
  const GAP_MS = 250;
  let t: TestApp;
  let url: string;
  let drive: FileDrive;
  beforeAll(async () => {
    t = await startTestApp({
      HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
      HTTP_BODY_TIMEOUT_SECONDS: String(BODY_S),
      HTTP_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
    });
    url = await t.app.getUrl();
    drive = new FileDrive(t.http, await registerAndLogin(t.http));
  });
  afterAll(() => t.close());

  /** A presigned upload URL of the embedded store for `size` bytes. */
  const uploadFor = async (size: number): Promise<Upload> =>
    (await drive.startUpload(`slow-${randomBytes(4).toString('hex')}.bin`, size)).upload;

  it('closes a connection whose headers stop half way, answering 408', async () => {
    const connection = await openConnection(url);
    await connection.write('GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(await connection.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose JSON body stops half way (an unauthenticated /login)', async () => {
    const connection = await openConnection(url);
    const body = JSON.stringify({ username: 'someone', password: 'a password long enough' });
    await connection.write(
      head('POST', `${url}/login`, { 'Content-Type': 'application/json', 'Content-Length': body.length }),
    );
    await connection.write(body.slice(0, 10));
    // Closed with a 408 or without a word: never an answer to a body the server did not have.
    expect(await connection.closed).toMatch(/^(HTTP\/1\.1 408 [\s\S]*)?$/);
  });

  it('closes a connection whose JSON body trickles in for longer than the body timeout, though it never idles', async () => {
    const connection = await openConnection(url);
    const body = Buffer.from(JSON.stringify({ username: 'someone', password: 'x'.repeat(40) }));
    await connection.write(
      head('POST', `${url}/login`, { 'Content-Type': 'application/json', 'Content-Length': body.length }),
    );
    // Each piece well within the idle timeout, the whole far beyond the body timeout: only the body timeout stops it.
    const parts = Math.ceil(((BODY_S * 1000) / GAP_MS) * 4);
    await trickle(connection, body, parts, GAP_MS);
    const received = await connection.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    // A problem document like every other error, with its stable code.
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 408,
      code: 'request_timeout',
    });
  });

  it('closes an upload to the embedded store whose body stops flowing', async () => {
    const size = 64 * 1024;
    const upload = await uploadFor(size);
    const connection = await openConnection(url);
    await connection.write(head('PUT', upload.url, upload.headers));
    await connection.write(randomBytes(size / 2));
    const received = await connection.closed;
    expect(received).not.toMatch(/^HTTP\/1\.1 200 /);
    // The half-written object was discarded: the same URL still takes the whole file.
    const whole = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: randomBytes(size) });
    expect(whole.status).toBe(200);
  });

  it('lets a slow upload that keeps moving finish, however long it takes in all', async () => {
    const size = 16 * 1024;
    const upload = await uploadFor(size);
    const connection = await openConnection(url);
    await connection.write(head('PUT', upload.url, upload.headers));
    // Longer in all than the body timeout (which the upload route is exempt from), no gap near the idle timeout.
    await trickle(connection, randomBytes(size), Math.ceil(((BODY_S * 1000) / GAP_MS) * 3), GAP_MS);
    expect(await connection.receive(/^HTTP\/1\.1 \d{3} .*\r\n[\s\S]*\r\n\r\n/)).toMatch(/^HTTP\/1\.1 200 /);
    connection.socket.destroy();
  });

  it('closes a kept-alive connection left idle after its response', async () => {
    const connection = await openConnection(url);
    await connection.write(head('GET', `${url}/health`));
    await connection.receive(HEALTHY);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(connection.received()).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
    await connection.closed;
  });
});

describe('connections per client address', () => {
  const CAP = 3;
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ HTTP_MAX_CONNECTIONS_PER_IP: String(CAP) });
    url = await t.app.getUrl();
  });
  afterAll(() => t.close());

  /** A connection the server accepted and served once, kept alive. */
  const served = async (): Promise<RawConnection> => {
    const connection = await openConnection(url);
    await connection.write(head('GET', `${url}/health`));
    await connection.receive(HEALTHY);
    return connection;
  };

  it(`serves ${CAP} connections from one client, closes more unanswered, and takes a new one when one ends`, async () => {
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(await served());

    const excess = await openConnection(url);
    await excess.write(head('GET', `${url}/health`)).catch(() => undefined);
    expect(await excess.closed).toBe('');

    // Those within the cap are still served.
    await held[0].write(head('GET', `${url}/health`));
    await held[0].receive(new RegExp(`(${HEALTHY.source}[\\s\\S]*){2}`));

    // One ends: the server counts it out once it has seen the close, then accepts another.
    held.pop()!.socket.destroy();
    let again: RawConnection | undefined;
    for (let attempt = 0; !again && attempt < 100; attempt++) {
      again = await served().catch(() => undefined);
      if (!again) await pause(50);
    }
    expect(again).toBeDefined();
    for (const connection of [...held, again!]) connection.socket.destroy();
  });
});
