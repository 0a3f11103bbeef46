import { FuzzRequest } from './client';
import { Prng } from './prng';
import {
  badCursor,
  badId,
  badPathSegment,
  badString,
  badValue,
  encodeSafely,
  nestedArrays,
  nestedObjects,
  toJsonText,
} from './values';
import { World } from './world';

/** What the fuzzer reads of the OpenAPI document. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

interface Operation {
  operationId: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: Record<string, string[]>[];
}

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  allOf?: Schema[];
}

/** One route to fuzz: an operation of the document, or a route of the embedded store. */
export interface Route {
  method: string;
  /** The OpenAPI path, with `{param}` placeholders. */
  path: string;
  operation?: Operation;
}

/** Every operation of the document, and the embedded store's presigned routes (not in the document). */
export function routesOf(doc: OpenApiDocument): Route[] {
  const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
  return [...routes, ...['PUT', 'GET', 'HEAD'].map((method) => ({ method, path: '/storage/{key}' }))];
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'BREW'];

/**
 * Draws requests: a valid request for a route (a signed-in user, real ids, a body that fits the schema), then one
 * to three mutations of it; one in twenty is left valid, to reach the code behind validation.
 */
export class RequestGenerator {
  constructor(
    private readonly doc: OpenApiDocument,
    private readonly rng: Prng,
  ) {}

  draw(route: Route, world: World, serial: number): FuzzRequest {
    const draft = route.operation ? this.valid(route, route.operation, world, serial) : this.validStore(route, world);
    const mutations = this.rng.chance(0.05) ? 0 : this.rng.int(1, 3);
    for (let i = 0; i < mutations; i++) this.mutate(draft, route, world);
    return this.finish(draft);
  }

  private valid(route: Route, operation: Operation, world: World, serial: number): Draft {
    const rng = this.rng;
    const pathParams: Record<string, string> = {};
    const query: [string, string][] = [];
    for (const param of operation.parameters ?? []) {
      if (param.in === 'path') pathParams[param.name] = this.idFor(param.name, world);
      if (param.in === 'query' && rng.chance(0.5))
        query.push([param.name, this.queryValue(route, param.name, param.schema, world)]);
    }
    const headers: Record<string, string> = {};
    const schemes = (operation.security ?? []).flatMap((scheme) => Object.keys(scheme));
    if (schemes.includes('bearer')) {
      headers.Authorization = `Bearer ${(rng.chance(0.75) ? world.owner : world.friend).token}`;
    }
    if (schemes.includes('lambda_secret')) headers['X-Lambda-Secret'] = world.lambdaSecret;
    const content = operation.requestBody?.content ?? {};
    const type = Object.keys(content).includes('application/json') ? 'application/json' : Object.keys(content)[0];
    let body: unknown;
    if (type) {
      body = this.instance(content[type].schema, world, serial);
      headers['Content-Type'] = 'application/json';
    }
    return { method: route.method, path: route.path, pathParams, query, headers, body, mutations: [] };
  }

  private validStore(route: Route, world: World): Draft {
    if (route.method === 'PUT') {
      const headers: Record<string, string> = { ...world.upload.headers };
      return {
        method: 'PUT',
        path: world.upload.path,
        pathParams: {},
        query: [],
        headers,
        rawBody: Buffer.from('x'.repeat(world.upload.size)),
        mutations: [],
      };
    }
    return { method: route.method, path: world.download.path, pathParams: {}, query: [], headers: {}, mutations: [] };
  }

  /** A real id of the kind a path parameter names. */
  private idFor(name: string, world: World): string {
    const pool =
      name === 'folder_id'
        ? world.folderIds
        : name === 'file_id'
          ? world.fileIds
          : name === 'item_id'
            ? world.trashIds
            : name === 'share_id'
              ? world.shareIds
              : world.allIds;
    return this.rng.pick(pool);
  }

  private queryValue(route: Route, name: string, schema: Schema | undefined, world: World): string {
    if (name === 'cursor') return this.cursorFor(route, world);
    if (name === 'file_id') return this.rng.pick(world.fileIds);
    if (name === 'folder_id') return this.rng.pick(world.folderIds);
    return String(this.scalar(this.resolve(schema ?? {}), name));
  }

  private cursorFor(route: Route, world: World): string {
    if (route.path.startsWith('/drive/')) return world.cursors.folder;
    if (route.path === '/drive') return world.cursors.drive;
    if (route.path === '/trash') return world.cursors.trash;
    return world.cursors.shared;
  }

  /** A value that fits the schema, with real ids and names for the fields that take them. */
  private instance(schema: Schema, world: World, serial: number, name = ''): unknown {
    const rng = this.rng;
    const resolved = this.resolve(schema);
    switch (name) {
      case 'file_id':
        return rng.pick(world.fileIds);
      case 'folder_id':
      case 'parent_folder_id':
        return rng.chance(0.1) ? null : rng.pick(world.folderIds);
      case 'user_id':
        return rng.pick([world.owner.id, world.friend.id]);
      case 'username':
        return rng.pick([world.friend.username, world.friend.email, world.owner.username, `fuzz_${serial}`]);
      case 'email':
        return `fuzz.${serial}@example.com`;
      case 'password':
        return rng.chance(0.5) ? 'password1' : world.owner.password;
      case 'file_name':
      case 'folder_name':
      case 'new_name':
        return rng.pick([`fuzz-${serial}.txt`, `Fuzz ${serial}`, 'notes-g0.txt', `résumé ${serial}.pdf`]);
      case 'content_type':
        return rng.pick(['text/plain', 'image/png', 'application/octet-stream']);
      case 'object_key':
        return `files/${world.owner.id}/${rng.pick(world.fileIds)}`;
    }
    if (resolved.type === 'object' || resolved.properties) {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(resolved.properties ?? {})) {
        if ((resolved.required ?? []).includes(key) || rng.chance(0.5))
          out[key] = this.instance(property, world, serial, key);
      }
      return out;
    }
    if (resolved.type === 'array') {
      return Array.from({ length: rng.int(1, 3) }, () => this.instance(resolved.items ?? {}, world, serial));
    }
    return this.scalar(resolved, name);
  }

  private scalar(schema: Schema, name: string): unknown {
    const rng = this.rng;
    if (schema.enum) return rng.pick(schema.enum);
    if (schema.type === 'number' || schema.type === 'integer') {
      if (name.includes('size')) return rng.int(1, 100);
      return rng.int(schema.minimum ?? 1, Math.min(schema.maximum ?? 100, 100));
    }
    if (schema.type === 'boolean') return rng.chance(0.5);
    if (schema.format === 'uuid') return rng.uuid();
    return `fuzz-${rng.hex(6)}`;
  }

  private resolve(schema: Schema): Schema {
    if (schema.$ref) return this.resolve(this.doc.components.schemas[schema.$ref.split('/').pop()!]);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => this.resolve(part)));
    return schema;
  }

  /** One change that makes the request wrong in some way. */
  private mutate(draft: Draft, route: Route, world: World): void {
    const rng = this.rng;
    const ids = world.allIds;
    const params = Object.keys(draft.pathParams);
    const kinds: [string, number][] = [
      ['pathParam', params.length ? 4 : 0],
      ['queryValue', 3],
      ['queryRepeat', 1],
      ['bodyField', isObject(draft.body) ? 6 : 0],
      ['bodyDrop', isObject(draft.body) ? 2 : 0],
      ['bodyExtra', 1],
      ['bodyWhole', 2],
      ['contentType', 2],
      ['auth', 3],
      ['header', 2],
      ['method', 1],
      ['pathShape', 1],
      ['oversized', 0.1],
      ['framing', 0.2],
      ['store', route.path === '/storage/{key}' ? 5 : 0],
    ];
    const kind = weighted(rng, kinds);
    draft.mutations.push(kind);
    switch (kind) {
      case 'pathParam':
        draft.pathParams[rng.pick(params)] = badPathSegment(rng, ids);
        break;
      case 'queryValue': {
        const name = rng.pick([
          'limit',
          'cursor',
          'sort_by',
          'order',
          'file_id',
          'folder_id',
          'photo_size_in_bytes',
          'x',
          '__proto__',
          '',
        ]);
        const value = name === 'cursor' ? badCursor(rng, Object.values(world.cursors)) : String(badValue(rng, ids));
        draft.query = draft.query.filter(([key]) => key !== name);
        draft.query.push([name, value]);
        break;
      }
      case 'queryRepeat': {
        const name = rng.pick(['limit', 'cursor', 'order', 'file_id', 'folder_id']);
        draft.query.push([name, badId(rng, ids)], [name, String(rng.int(-1, 2000))]);
        draft.rawQuery = rng.chance(0.3)
          ? rng.pick(['a[b][c]=1', '%ZZ=1', 'limit=%00', '&&&=', 'cursor=%E2%80%AE', `q=${'x'.repeat(9000)}`])
          : undefined;
        break;
      }
      case 'bodyField': {
        const body = draft.body as Record<string, unknown>;
        const keys = Object.keys(body);
        const key =
          keys.length && rng.chance(0.8)
            ? rng.pick(keys)
            : rng.pick(['file_name', 'file_id', 'username', 'files', 'status']);
        if (Array.isArray(body[key]) && isObject((body[key] as unknown[])[0]) && rng.chance(0.6)) {
          const item = (body[key] as Record<string, unknown>[])[0];
          item[rng.pick(Object.keys(item).concat('extra'))] = badValue(rng, ids);
        } else {
          // Strings half of the time: they are what reaches the database and the file names.
          body[key] = rng.chance(0.5) ? badString(rng) : badValue(rng, ids);
        }
        break;
      }
      case 'bodyDrop': {
        const body = draft.body as Record<string, unknown>;
        const keys = Object.keys(body);
        if (keys.length) delete body[rng.pick(keys)];
        break;
      }
      case 'bodyExtra':
        draft.body = {
          ...(isObject(draft.body) ? draft.body : {}),
          [rng.pick(['is_admin', '__proto__', 'constructor', 'a\u0000b', 'x'.repeat(300), '\ud800'])]: badValue(
            rng,
            ids,
          ),
        };
        draft.headers['Content-Type'] ??= 'application/json';
        break;
      case 'bodyWhole':
        draft.headers['Content-Type'] ??= 'application/json';
        draft.body = undefined;
        draft.rawBody = Buffer.from(
          rng.pick([
            '',
            'null',
            '[]',
            '"text"',
            '42',
            '{',
            '{"a":}',
            '{} trailing',
            '\uFEFF{}',
            `{"a":${nestedArrays(rng.pick([33, 3000, 100_000]))}}`,
            nestedObjects(rng.pick([33, 3000])),
            `{"a":"${'\\ud800'.repeat(10)}"}`,
            '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
            JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i]))),
            `[${'1,'.repeat(50_000)}1]`,
            toJsonText({ files: Array.from({ length: 101 }, () => ({ file_name: 'x', file_size_in_bytes: 1 })) }),
          ]),
          'utf8',
        );
        break;
      case 'contentType':
        draft.headers['Content-Type'] = rng.pick([
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'multipart/form-data',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/vnd.api+json',
          'application/octet-stream',
          'a/b/c',
          '',
          ';;;',
          `application/json; x=${'y'.repeat(2000)}`,
        ]);
        if (draft.headers['Content-Type'] === 'application/x-www-form-urlencoded' && rng.chance(0.5)) {
          draft.rawBody = Buffer.from(
            rng.pick([
              'username=a%00b&password=c',
              'a[b][c][d][e][f]=1',
              '__proto__=x',
              '%ZZ=1',
              `username=${'x'.repeat(5000)}`,
            ]),
          );
          draft.body = undefined;
        }
        if (rng.chance(0.2)) delete draft.headers['Content-Type'];
        break;
      case 'auth': {
        delete draft.headers.Authorization;
        delete draft.headers['X-Lambda-Secret'];
        const choice = rng.int(0, 9);
        if (choice <= 5) {
          draft.headers.Authorization = rng.pick([
            `Bearer ${rng.pick(world.forgedTokens)}`,
            'Bearer',
            'Bearer ',
            `Bearer ${'a'.repeat(rng.pick([10, 10_000]))}`,
            'Bearer ....',
            `bearer ${world.owner.token}`,
            `Basic ${Buffer.from('user:pass').toString('base64')}`,
            `Bearer ${world.owner.token}x`,
            `Bearer ${world.owner.token.split('.').slice(0, 2).join('.')}.`,
            `Bearer ${world.friend.token} ${world.owner.token}`,
            `Bearer ${encodeSafely('\u202E')}`,
          ]);
        } else if (choice <= 7) {
          draft.headers['X-Lambda-Secret'] = rng.pick([
            'wrong',
            '',
            world.lambdaSecret.toUpperCase(),
            world.lambdaSecret + 'x',
            'a'.repeat(5000),
          ]);
        } else if (choice === 8) {
          draft.headers.Authorization = `Bearer ${world.owner.token}`;
        }
        break;
      }
      case 'header':
        Object.assign(
          draft.headers,
          rng.pick<Record<string, string>>([
            { Accept: 'application/xml' },
            { 'Accept-Encoding': 'gzip, br, zstd' },
            { 'Content-Encoding': rng.pick(['gzip', 'br', 'deflate', 'bogus']) },
            {
              Range: rng.pick([
                'bytes=0-0',
                'bytes=5-1',
                'bytes=-0',
                'bytes=abc',
                'items=0-1',
                `bytes=${'0-1,'.repeat(500)}0-1`,
              ]),
            },
            { 'If-None-Match': '*' },
            { 'X-Request-Id': rng.pick(['a b', 'r'.repeat(10_000), '<x>', 'ok-1']) },
            { 'X-Forwarded-For': '::1, 999.999.999.999' },
            { Origin: 'https://evil.example.com' },
            { Expect: '100-continue' },
            { 'X-Evil': 'a\u0000b' },
            { 'X-Unicode': 'caf\u00e9' },
            { 'X-Big': 'b'.repeat(20_000) },
          ]),
        );
        break;
      case 'method':
        draft.method = rng.pick(METHODS);
        break;
      case 'pathShape':
        draft.pathShape = rng.pick([
          'trailingSlash',
          'doubleSlash',
          'extraSegment',
          'upperCase',
          'dotSegment',
          'encodedSlash',
        ]);
        break;
      case 'oversized':
        draft.body = undefined;
        draft.rawBody = Buffer.from(JSON.stringify({ a: 'x'.repeat(1024 * 1024 + 1000) }));
        draft.headers['Content-Type'] ??= 'application/json';
        break;
      case 'framing':
        draft.framing = rng.pick([
          'Content-Length: abc',
          'Content-Length: -1',
          'Content-Length: 1\r\nContent-Length: 2',
          'Transfer-Encoding: chunked\r\nContent-Length: 3',
          'Transfer-Encoding: gzip',
          'Bad Header: 1',
          `X-Huge: ${'h'.repeat(20_000)}`,
        ]);
        break;
      case 'store':
        this.mutateStore(draft, world);
        break;
    }
  }

  private mutateStore(draft: Draft, world: World): void {
    const rng = this.rng;
    const [pathname, search = ''] = draft.path.split('?');
    const params = new URLSearchParams(search);
    const choice = rng.int(0, 7);
    if (choice === 0) {
      const key = rng.pick([...params.keys(), 'sig', 'exp']);
      params.set(key, String(badValue(rng, world.allIds)));
    } else if (choice === 1) {
      params.delete(rng.pick([...params.keys()]));
    } else if (choice === 2) {
      draft.path = `${pathname.replace(/[^/]+$/, badPathSegment(rng, world.allIds))}?${params}`;
      return;
    } else if (choice === 3) {
      draft.headers['Content-Type'] = rng.pick(['image/png', '', 'text/plain; charset=utf-8', 'x'.repeat(300)]);
    } else if (choice === 4) {
      draft.rawBody = Buffer.alloc(rng.pick([0, 1, 4, 6, 100_000]), 'y');
      delete draft.headers['Content-Length'];
    } else if (choice === 5) {
      // Declared and not sent: a length the store refuses before reading (one it would wait for is a slow client).
      draft.headers['Content-Length'] = String(rng.pick([0, 10 ** 12]));
      draft.rawBody = undefined;
    } else if (choice === 6) {
      draft.path = rng.pick([
        `/storage/${encodeSafely(badString(rng))}`,
        '/storage/',
        '/storage',
        `/storage/files/..%2F..%2F${world.owner.id}`,
      ]);
      return;
    } else {
      draft.path = world.upload.path.split('?')[0] + `?${params}`;
      draft.method = rng.pick(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);
      return;
    }
    draft.path = `${pathname}?${params}`;
  }

  /** The request as it goes on the wire. */
  private finish(draft: Draft): FuzzRequest {
    let path = draft.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      draft.pathParams[name] !== undefined ? draft.pathParams[name] : name,
    );
    switch (draft.pathShape) {
      case 'trailingSlash':
        path += '/';
        break;
      case 'doubleSlash':
        path = `/${path}`;
        break;
      case 'extraSegment':
        path += '/extra';
        break;
      case 'upperCase':
        path = path.toUpperCase();
        break;
      case 'dotSegment':
        path = `/./${path.slice(1)}/..${path}`;
        break;
      case 'encodedSlash':
        path = path.replace(/\//g, '%2F').replace(/^%2F/, '/');
        break;
    }
    const query = draft.query.map(([key, value]) => `${encodeSafely(key)}=${encodeSafely(value)}`);
    if (draft.rawQuery) query.push(draft.rawQuery);
    if (query.length) path += (path.includes('?') ? '&' : '?') + query.join('&');
    let body = draft.rawBody;
    if (!body && draft.body !== undefined) {
      body =
        draft.headers['Content-Type'] === 'application/x-www-form-urlencoded' && isObject(draft.body)
          ? Buffer.from(
              Object.entries(draft.body)
                .map(([k, v]) => `${encodeSafely(k)}=${encodeSafely(String(v))}`)
                .join('&'),
            )
          : Buffer.from(toJsonText(draft.body), 'utf8');
    }
    const headers = { ...draft.headers };
    // The client says how long the body it sends is (a signed upload's length included): a length it does not
    // send is a slow client, which the server waits for, not bad input.
    if (body) delete headers['Content-Length'];
    const mutations = [...draft.mutations];
    if (draft.framing) {
      // Framing errors go as raw bytes: a header line node:http would refuse, or one that contradicts the body.
      headers['X-Framing'] = `x\r\n${draft.framing}`;
    }
    return { method: draft.method, path, headers, body, mutations };
  }
}

interface Draft {
  method: string;
  path: string;
  pathParams: Record<string, string>;
  query: [string, string][];
  rawQuery?: string;
  headers: Record<string, string>;
  body?: unknown;
  rawBody?: Buffer;
  pathShape?: string;
  framing?: string;
  mutations: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function weighted(rng: Prng, options: [string, number][]): string {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let point = rng.next() * total;
  for (const [name, weight] of options) {
    point -= weight;
    if (point < 0) return name;
  }
  return options[0][0];
}
