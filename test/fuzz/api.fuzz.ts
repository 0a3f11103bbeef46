/**
 * The fuzz suite (`npm run test:fuzz`, not part of `npm test`): FUZZ_REQUESTS (default 10,000) malformed
 * requests drawn from the OpenAPI document the API serves, over every operation and the embedded store's
 * routes, against the real API on embedded PostgreSQL, by a signed-in user naming real ids. Every answer must
 * be below 500, and every error a complete problem+json document. Repeatable: the seed is printed, and
 * FUZZ_SEED=<seed> draws the same requests again (FUZZ_SEED=random draws a fresh seed).
 */
import { readFuzzSettings } from '@app/config';
import { startTestApp, TestApp } from '../support/test-app';
import { FuzzClient, FuzzRequest, violationOf } from './client';
import { OpenApiDocument, RequestGenerator, routesOf } from './generator';
import { Prng } from './prng';
import { makeWorld, World } from './world';

const { seed, requests } = readFuzzSettings();
/** Requests between two fresh worlds: deletions, purges and moves use up the items the requests name. */
const WORLD_LIFETIME = 500;
/** Requests in flight at once. */
const CONCURRENCY = 4;
/** How many failures the report shows in full. */
const SHOWN = 25;

interface Failure {
  index: number;
  problem: string;
  request: string;
  answer: string;
}

describe(`the API under ${requests} malformed requests (FUZZ_SEED=${seed})`, () => {
  let t: TestApp;
  let client: FuzzClient;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    process.stdout.write(`fuzz: FUZZ_SEED=${seed} FUZZ_REQUESTS=${requests}\n`);
    // A valid GET /events sent as raw bytes is read to its end: streams end soon here.
    t = await startTestApp({ EVENTS_STREAM_MAX_SECONDS: '10' });
    client = new FuzzClient(await t.app.getUrl());
    doc = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(async () => {
    client?.close();
    await t?.close();
  });

  it('never answers 5xx, and answers every error with a complete problem+json document', async () => {
    const rng = new Prng(seed);
    const generator = new RequestGenerator(doc, rng);
    const routes = routesOf(doc);
    const failures: Failure[] = [];
    const perRoute = new Map<string, number>();
    const perStatus = new Map<number, number>();
    const slowest: [number, string][] = [];
    let world: World | undefined;

    for (let start = 0; start < requests; start += WORLD_LIFETIME) {
      world = await makeWorld(t, start / WORLD_LIFETIME, world && [world.owner, world.friend]);
      const batch: [number, FuzzRequest][] = [];
      for (let index = start; index < Math.min(start + WORLD_LIFETIME, requests); index++) {
        const route = rng.pick(routes);
        perRoute.set(`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) + 1);
        batch.push([index, generator.draw(route, world, index)]);
      }
      await inParallel(batch, CONCURRENCY, async ([index, req]) => {
        const began = Date.now();
        const problem = await client.send(req).then(
          (res) => {
            perStatus.set(res.status, (perStatus.get(res.status) ?? 0) + 1);
            const violation = violationOf(req, res);
            return violation && { problem: violation, answer: `${res.status} ${res.text.slice(0, 300)}` };
          },
          (error: Error) => ({ problem: 'no HTTP answer', answer: error.message }),
        );
        if (problem) failures.push({ index, ...problem, request: describeRequest(req) });
        slowest.push([Date.now() - began, `#${index} ${describeRequest(req)}`]);
        slowest.sort(([a], [b]) => b - a).splice(5);
      });
    }

    const statuses = [...perStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    process.stdout.write(`fuzz: answers by status: ${statuses.join(' ')}\n`);
    process.stdout.write(`fuzz: slowest:\n${slowest.map(([ms, what]) => `  ${ms} ms ${what}`).join('\n')}\n`);
    // Every operation of the document was tried, many times.
    expect(
      routes.filter(
        (route) => (perRoute.get(`${route.method} ${route.path}`) ?? 0) < Math.min(10, requests / routes.length / 2),
      ),
    ).toEqual([]);
    failures.sort((a, b) => a.index - b.index);
    const summary = Object.entries(
      failures.reduce<Record<string, number>>(
        (count, f) => ({ ...count, [f.problem]: (count[f.problem] ?? 0) + 1 }),
        {},
      ),
    );
    expect({ seed, failures: failures.length, summary, first: failures.slice(0, SHOWN) }).toEqual({
      seed,
      failures: 0,
      summary: [],
      first: [],
    });
  });
});

function describeRequest(req: FuzzRequest): string {
  const headers = Object.entries(req.headers).map(
    ([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`,
  );
  const body = req.body ? req.body.toString('utf8') : '';
  const path = req.path.length > 200 ? `${req.path.slice(0, 200)}…(${req.path.length})` : req.path;
  return `[${req.mutations.join(', ')}] ${req.method} ${path} ${JSON.stringify(headers)} ${
    body.length > 200 ? `${body.slice(0, 200)}…(${body.length})` : body
  }`;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
