/**
 * Live events (`npm run bench -- events` alone): 1,000 Server-Sent Events streams open on one API process (100 users
 * × 10 streams each), then changes made one at a time, each waited for on every stream that should hear it before
 * the next is made. Two fan-outs: a folder made by one user, heard by that user's 10 streams; and a folder made
 * inside one folder shared with the 99 others, heard by all 1,000 streams.
 *
 * Each delivered event's delay is taken two ways, on this machine's one clock: from the change's `at` (the start
 * of the transaction that wrote it, so an upper bound of commit-to-event) and from the moment this process sent
 * the request that made the change. The API's memory (RSS) is read before the streams and with them open.
 *
 * The peer is a bare node:http SSE server (bench/sse-server.js) holding the same streams, fanning the same events
 * out to the same users when told by a POST: what is left there is node:http and the sockets, so the ratio says
 * what the API adds (the request, its transaction, the log read back) on top of delivering bytes.
 */
import { request } from 'node:http';

export const USERS = 100;
const STREAMS_PER_USER = 10;
const OWN_CHANGES = 200;
const SHARED_CHANGES = 50;
/** A change not heard by every stream it should reach within this is counted as missed (a figure, not a hang). */
const DELIVERY_TIMEOUT_MS = 10_000;

/** What the bench does to a server under test: open a user's stream, make a change that user (or everyone) hears. */
export interface Target {
  label: string;
  stream(user: number): { path: string; headers: Record<string, string> };
  /** Makes a change named `name` that user `user`'s streams hear. */
  own(user: number, name: string): Promise<void>;
  /** Makes a change named `name` that every user's streams hear (after `prepareShared`). */
  shared(name: string): Promise<void>;
  prepareShared(): Promise<void>;
  rssMiB(): number;
  /** Whether events carry the change's `at` (the peer's do not: it has no transaction). */
  hasAt: boolean;
}

export interface Delays {
  fromAt: Percentiles | undefined;
  fromSent: Percentiles;
  /** The request that made the change, alone: from sent to its answer (the change's own transaction within). */
  answered: Percentiles;
  delivered: number;
  missed: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
}

export interface EventFigures {
  label: string;
  own: Delays;
  shared: Delays;
  rssBeforeMiB: number;
  rssWithMiB: number;
  /** The least-squares slope of RSS over the number of streams open, sampled every 100 streams. */
  perStreamKiB: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution (the `at` of a change is wall-clock too). */
const now = (): number => performance.timeOrigin + performance.now();

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

interface Pending {
  sentAt: number;
  left: number;
  fromAt: number[];
  fromSent: number[];
  answeredMs: number;
  done(): void;
}

/** The bench's side of every stream: arrival times of events, matched to the change that was made. */
class Listeners {
  private readonly pending = new Map<string, Pending>();
  private readonly requests: { destroy(): void }[] = [];

  constructor(private readonly baseUrl: string) {}

  /** Opens one stream; resolves once its first bytes (the `retry:` line) arrived. */
  open(target: Target, user: number): Promise<void> {
    const { path, headers } = target.stream(user);
    return new Promise((resolve, reject) => {
      const req = request(
        this.baseUrl + path,
        { agent: false, headers: { accept: 'text/event-stream', ...headers } },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET ${path} answered ${res.statusCode}`));
            return;
          }
          let buffer = '';
          res.setEncoding('utf8');
          res.once('data', () => resolve());
          res.on('data', (chunk: string) => {
            const arrived = now();
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (data !== undefined) this.heard(JSON.parse(data) as HeardChange, arrived);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
      this.requests.push(req);
    });
  }

  /** Makes a change with `make` and waits until `expected` streams heard it: its delays. */
  async measure(name: string, expected: number, make: () => Promise<void>): Promise<Pending> {
    let done!: () => void;
    const heard = new Promise<void>((resolve) => (done = resolve));
    const pending: Pending = { sentAt: now(), left: expected, fromAt: [], fromSent: [], answeredMs: 0, done };
    this.pending.set(name, pending);
    await make();
    pending.answeredMs = now() - pending.sentAt;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([heard, new Promise((resolve) => (timer = setTimeout(resolve, DELIVERY_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.pending.delete(name);
    return pending;
  }

  close(): void {
    for (const req of this.requests) req.destroy();
  }

  private heard(change: HeardChange, arrived: number): void {
    const pending = change.item ? this.pending.get(change.item.name) : undefined;
    if (!pending) return; // a share's own events, and the like
    if (change.at) pending.fromAt.push(arrived - Date.parse(change.at));
    pending.fromSent.push(arrived - pending.sentAt);
    if (--pending.left === 0) pending.done();
  }
}

interface HeardChange {
  at?: string;
  item: { name: string } | null;
}

/** Changes one at a time, never overlapping: each waited for on every stream that should hear it. */
async function delays(
  listeners: Listeners,
  count: number,
  expected: number,
  change: (i: number, name: string) => Promise<void>,
  hasAt: boolean,
): Promise<Delays> {
  const fromAt: number[] = [];
  const fromSent: number[] = [];
  const answered: number[] = [];
  let missed = 0;
  for (let i = 0; i < count; i++) {
    const name = `ev-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const pending = await listeners.measure(name, expected, () => change(i, name));
    fromAt.push(...pending.fromAt);
    fromSent.push(...pending.fromSent);
    answered.push(pending.answeredMs);
    missed += pending.left;
  }
  return {
    fromAt: hasAt ? percentiles(fromAt) : undefined,
    fromSent: percentiles(fromSent),
    answered: percentiles(answered),
    delivered: fromSent.length,
    missed,
  };
}

/** Opens the 1,000 streams (50 at a time, so that the listen backlog never overflows), measures both fan-outs. */
export async function eventFigures(baseUrl: string, target: Target): Promise<EventFigures> {
  const listeners = new Listeners(baseUrl);
  try {
    const rssBeforeMiB = target.rssMiB();
    console.log(`Events (${target.label}): opening ${USERS * STREAMS_PER_USER} streams…`);
    const opens = Array.from({ length: USERS * STREAMS_PER_USER }, (_, i) => i % USERS);
    // RSS moves with the collector as much as with the streams: a slope over many samples, beside the two ends.
    const samples: [number, number][] = [[0, rssBeforeMiB]];
    for (let i = 0; i < opens.length; i += 50) {
      await Promise.all(opens.slice(i, i + 50).map((user) => listeners.open(target, user)));
      if ((i + 50) % 100 === 0) samples.push([i + 50, target.rssMiB()]);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000)); // settled: the streams' first reads are done
    const rssWithMiB = target.rssMiB();
    samples.push([opens.length, rssWithMiB]);
    console.log(`Events (${target.label}): ${OWN_CHANGES} changes, each heard by one user's ${STREAMS_PER_USER}…`);
    const own = await delays(
      listeners,
      OWN_CHANGES,
      STREAMS_PER_USER,
      (i, name) => target.own(i % USERS, name),
      target.hasAt,
    );
    await target.prepareShared();
    console.log(`Events (${target.label}): ${SHARED_CHANGES} changes, each heard by all streams…`);
    const shared = await delays(
      listeners,
      SHARED_CHANGES,
      USERS * STREAMS_PER_USER,
      (_i, name) => target.shared(name),
      target.hasAt,
    );
    return { label: target.label, own, shared, rssBeforeMiB, rssWithMiB, perStreamKiB: slope(samples) * 1024 };
  } finally {
    listeners.close();
  }
}

async function call(base: string, method: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>);
}

/** The API: 100 users registered and logged in; a change is a folder made (at the root, or in the shared folder). */
export async function apiTarget(base: string, label: string, rssMiB: () => number): Promise<Target> {
  const tag = Date.now().toString(36);
  const users: { username: string; token: string }[] = [];
  console.log(`Events (${label}): ${USERS} users…`);
  for (let i = 0; i < USERS; i++) {
    const username = `ev_${tag}_${i}`;
    const password = 'bench-password';
    await call(base, 'POST', '/user', undefined, { username, email: `${username}@example.com`, password });
    const login = await call(base, 'POST', '/login', undefined, { username, password });
    users.push({ username, token: login!.access_token as string });
  }
  let team: string | undefined;
  return {
    label,
    hasAt: true,
    rssMiB,
    stream: (user) => ({ path: '/events', headers: { authorization: `Bearer ${users[user].token}` } }),
    own: async (user, name) => {
      await call(base, 'POST', '/drive', users[user].token, { folder_name: name });
    },
    prepareShared: async () => {
      const folder = await call(base, 'POST', '/drive', users[0].token, { folder_name: `team-${tag}` });
      team = folder!.id as string;
      for (const { username } of users.slice(1)) {
        const share = { share_object_type: 'folder', folder_id: team, username, permission: 'view' };
        await call(base, 'POST', '/share', users[0].token, share);
      }
    },
    shared: async (name) => {
      await call(base, 'POST', '/drive', users[0].token, { folder_name: name, parent_folder_id: team });
    },
  };
}

/** The bare node:http SSE server: the same streams per user, an event published to the same users. */
export function peerTarget(base: string, rssMiB: () => number): Target {
  const everyone = Array.from({ length: USERS }, (_, i) => i).join(',');
  // An event of the API's size and shape.
  const event = (name: string) =>
    JSON.stringify({
      cursor: '1',
      type: 'item_created',
      at: null,
      item: { id: '00000000-0000-4000-8000-000000000000', kind: 'folder', name, parent_folder_id: null },
      permission: null,
    });
  const publish = async (users: string, name: string) => {
    await call(base, 'POST', `/publish?users=${users}`, undefined, JSON.parse(event(name)));
  };
  return {
    label: 'bare node:http SSE',
    hasAt: false,
    rssMiB,
    stream: (user) => ({ path: `/events?user=${user}`, headers: {} }),
    own: (user, name) => publish(String(user), name),
    prepareShared: async () => undefined,
    shared: (name) => publish(everyone, name),
  };
}

const ms = (value: number) => value.toFixed(1);

function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/**
 * The rows of one server beside the peer measured in the same run. `perStream`: whether its RSS says what a stream
 * costs; with the embedded database in the process, its heap (hundreds of MiB, with room left from start-up) takes
 * the streams' objects in without growing, so only before / with is shown.
 */
export function eventRows(api: EventFigures, peer: EventFigures, perStream: boolean): string[][] {
  const streams = USERS * STREAMS_PER_USER;
  const delivery = (d: Delays, p: Delays) =>
    `from at ${ms(d.fromAt!.p50)} / ${ms(d.fromAt!.p99)} ms; from the request ${ms(d.fromSent.p50)} / ${ms(d.fromSent.p99)} ms` +
    ` (p99 ${(d.fromSent.p99 / p.fromSent.p99).toFixed(1)}× the bare server's ${ms(p.fromSent.p99)} ms);` +
    ` the request alone ${ms(d.answered.p50)} / ${ms(d.answered.p99)} ms; ` +
    `${d.delivered.toLocaleString('en')} events${d.missed ? `, ${d.missed} missed` : ''}`;
  return [
    [
      `SSE delivery, ${streams.toLocaleString('en')} streams (${USERS} users × ${STREAMS_PER_USER}), ${api.label}: a folder made by one user, heard by their ${STREAMS_PER_USER} streams, ${OWN_CHANGES} changes one at a time, p50 / p99`,
      delivery(api.own, peer.own),
      'p99 under 100 ms',
    ],
    [
      `SSE delivery, ${streams.toLocaleString('en')} streams, ${api.label}: a folder made in a folder shared with all ${USERS} users, heard by every stream, ${SHARED_CHANGES} changes one at a time, p50 / p99`,
      delivery(api.shared, peer.shared),
      'p99 under 100 ms',
    ],
    perStream
      ? [
          `API memory (RSS) before / with ${streams.toLocaleString('en')} SSE streams open, ${api.label}; per stream (slope of RSS sampled every 100 streams)`,
          `${api.rssBeforeMiB.toFixed(0)} / ${api.rssWithMiB.toFixed(0)} MiB; ${api.perStreamKiB.toFixed(1)} KiB per stream` +
            ` (${(api.perStreamKiB / peer.perStreamKiB).toFixed(1)}× the bare server's ${peer.perStreamKiB.toFixed(1)} KiB)`,
          '',
        ]
      : [
          `API memory (RSS) before / with ${streams.toLocaleString('en')} SSE streams open, ${api.label}`,
          `${api.rssBeforeMiB.toFixed(0)} / ${api.rssWithMiB.toFixed(0)} MiB (the database's heap in the same process takes the streams in: per stream, see the PostgreSQL server's row)`,
          '',
        ],
  ];
}

/** The peer's own row, measured once per run. */
export function peerRows(peer: EventFigures): string[][] {
  return [
    [
      `bare node:http SSE server, the same ${(USERS * STREAMS_PER_USER).toLocaleString('en')} streams and fan-outs (peer of the SSE rows): from the request, p50 / p99`,
      `one user's ${STREAMS_PER_USER}: ${ms(peer.own.fromSent.p50)} / ${ms(peer.own.fromSent.p99)} ms; all: ${ms(peer.shared.fromSent.p50)} / ${ms(peer.shared.fromSent.p99)} ms`,
      '',
    ],
  ];
}
