import { Agent, request } from 'node:http';
import { ERROR_CODES } from '@app/contracts';
import { sendRaw } from '../support/raw-http';

/** One request as the fuzzer draws it: the path is sent as it is (already encoded, or deliberately not). */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was done to a valid request, for the report. */
  mutations: string[];
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const TIMEOUT_MS = 20_000;

/**
 * Sends requests over keep-alive connections with node:http, which sends what it is given; what node:http
 * refuses to send (a NUL in a header, a space in the path) goes as raw bytes on a fresh connection instead.
 */
export class FuzzClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  async send(req: FuzzRequest): Promise<FuzzResponse> {
    let sending: Promise<FuzzResponse>;
    // A length declared and not sent would have the server read the next request on that connection as this
    // one's body: such a request gets a connection of its own, closed after the answer.
    const ownConnection = !req.body && hasHeader(req.headers, 'content-length');
    try {
      sending = this.viaHttp(req, ownConnection ? false : this.agent);
    } catch {
      return this.viaSocket(req);
    }
    return sending.catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      // A kept-alive connection the server closed just as it was reused (after a `Connection: close` answer):
      // the request never reached it, and goes again on a connection of its own, as Node's docs advise.
      if (error.reusedSocket && error.code === 'ECONNRESET') return this.viaHttp(req, false);
      throw error;
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private viaHttp(req: FuzzRequest, agent: Agent | false): Promise<FuzzResponse> {
    const headers = { ...req.headers };
    if (req.body && !hasHeader(headers, 'content-length') && !hasHeader(headers, 'transfer-encoding')) {
      headers['Content-Length'] = String(req.body.length);
    }
    // Throws at once on what node:http will not put on the wire.
    const outgoing = request({
      host: this.host,
      port: this.port,
      method: req.method,
      path: req.path,
      headers,
      agent,
    });
    return new Promise((resolve, reject) => {
      let answered = false;
      outgoing.setTimeout(TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
      outgoing.on('response', (res) => {
        answered = true;
        // An event stream (GET /events) never ends by itself: its status and headers are the answer.
        if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) {
          resolve({ status: 200, headers: res.headers, text: '' });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      // The server may answer (a 413) and close before it has read a large body: the answer is what counts.
      outgoing.on('error', (error) => {
        if (!answered) reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket }));
      });
      outgoing.end(req.body);
    });
  }

  private async viaSocket(req: FuzzRequest): Promise<FuzzResponse> {
    const lines = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${this.host}:${this.port}`, 'Connection: close'];
    for (const [name, value] of Object.entries(req.headers)) lines.push(`${name}: ${value}`);
    if (req.body && !hasHeader(req.headers, 'content-length')) lines.push(`Content-Length: ${req.body.length}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    const res = await sendRaw(`http://${this.host}:${this.port}`, Buffer.concat([head, req.body ?? Buffer.alloc(0)]));
    return { status: res.status, headers: res.headers, text: res.text };
  }
}

const hasHeader = (headers: Record<string, string>, name: string) =>
  Object.keys(headers).some((key) => key.toLowerCase() === name);

/** What is wrong with an answer: a 5xx, or an error that is not a complete problem document. */
export function violationOf(req: FuzzRequest, res: FuzzResponse): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  if (res.status < 400) return undefined;
  const type = String(res.headers['content-type'] ?? '');
  if (!/^application\/problem\+json\b/.test(type)) return `content-type "${type}" on a ${res.status}`;
  if (req.method === 'HEAD') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text);
  } catch {
    return 'an error body that is not JSON';
  }
  for (const field of ['type', 'title', 'detail', 'code']) {
    if (typeof body[field] !== 'string' || !(body[field] as string).trim()) return `no ${field} in the problem`;
  }
  if (body.status !== res.status) return `problem status ${String(body.status)} on a ${res.status}`;
  if (!((body.code as string) in ERROR_CODES)) return `unknown code ${String(body.code)}`;
  if (body.type !== `urn:clouddrive:problem:${String(body.code)}`) return `type ${String(body.type)}`;
  return undefined;
}
