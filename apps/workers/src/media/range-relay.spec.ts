import { rangeServer, RangeServer } from '@app/testing';
import { httpRangeSource, withRangeRelay } from './range-relay';

describe('withRangeRelay', () => {
  let server: RangeServer;
  const body = Buffer.alloc(3 * 1024 * 1024, 7);
  beforeAll(async () => {
    server = await rangeServer(body);
  });
  afterAll(() => server.close());

  it('answers a window at a time, doubling while the reader goes on where the last ended', async () => {
    const answers: string[] = [];
    const { bytesRelayed } = await withRangeRelay(httpRangeSource(server.url), body.length, async (url) => {
      for (const start of [0, 131072, 393216, 1000]) {
        const answer = await fetch(url, { headers: { range: `bytes=${start}-` } });
        const bytes = Buffer.from(await answer.arrayBuffer());
        answers.push(`${answer.status} ${answer.headers.get('content-range')} ${bytes.length}`);
      }
    });
    expect(answers).toEqual([
      `206 bytes 0-131071/${body.length} 131072`,
      `206 bytes 131072-393215/${body.length} 262144`,
      `206 bytes 393216-917503/${body.length} 524288`,
      `206 bytes 1000-132071/${body.length} 131072`,
    ]);
    expect(bytesRelayed).toBe(131072 * 8);
  });

  it('relays no more than its budget', async () => {
    const statuses = await withRangeRelay(httpRangeSource(server.url), 100_000, async (url) => {
      const first = await fetch(url, { headers: { range: 'bytes=0-' } });
      const bytes = await first.arrayBuffer().catch(() => new ArrayBuffer(0));
      const second = await fetch(url, { headers: { range: 'bytes=200000-' } });
      return [first.status, bytes.byteLength, second.status];
    });
    expect(statuses.result).toEqual([206, 100_000, 502]);
  });
});
