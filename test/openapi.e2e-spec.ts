import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ERROR_CODES } from '@app/contracts';
import { publicOpenApiDocument } from '../apps/api/src/openapi';
import { generatePluginMetadata, METADATA_DIR, OPENAPI_FILE, ROOT } from '../scripts/openapi';
import { startTestApp, TestApp } from './support/test-app';

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  tags?: string[];
  'x-internal'?: boolean;
};

type Schema = { type?: string; format?: string; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[] };

/** Every property of every schema, with its dotted place (`ItemDto.owner.id`), through arrays and allOf. */
function propertiesOf(schemas: Record<string, Schema>): [string, Schema][] {
  const found: [string, Schema][] = [];
  const walk = (schema: Schema | undefined, place: string): void => {
    if (!schema) return;
    found.push([place, schema]);
    for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property, `${place}.${name}`);
    walk(schema.items, `${place}[]`);
    for (const part of schema.allOf ?? []) walk(part, place);
  };
  for (const [name, schema] of Object.entries(schemas)) walk(schema, name);
  return found;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let served: {
    info: { description: string };
    servers: { url: string }[];
    paths: Record<string, Record<string, Operation>>;
    components: any;
  };
  const operations = () => Object.values(served.paths).flatMap((methods) => Object.values(methods));

  beforeAll(async () => {
    t = await startTestApp();
    served = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http.get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('is committed as it is served, less the internal endpoints (run `npm run openapi` after changing the API)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(publicOpenApiDocument(served as never));
  });

  it('is valid OpenAPI, served and committed (swagger-parser)', async () => {
    // The parser resolves references in place: each gets a copy.
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toBeDefined();
    await expect(SwaggerParser.validate(OPENAPI_FILE)).resolves.toBeDefined();
  });

  it('passes Redocly’s recommended lint, with the exceptions redocly.yaml gives reasons for', async () => {
    const lint = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', 'openapi/openapi.json', '--format=json'],
      { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((failed: { stdout: string }) => failed);
    const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{'))) as {
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    expect(report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  });

  it('tells clients where the API is (a relative server, for Swagger UI and generated clients alike)', () => {
    expect(served.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('types every size and count as an integer and every id as a UUID', () => {
    const all = propertiesOf(served.components.schemas);
    expect(all.filter(([, schema]) => schema.type === 'number').map(([place]) => place)).toEqual([]);
    // OAuth2's client_id is the client's own string, not one of our ids.
    const ids = all.filter(([place]) => /(^|\.)(id|[a-z_]+_id)$/.test(place) && place !== 'LoginDto.client_id');
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter(([, schema]) => schema.format !== 'uuid').map(([place]) => place)).toEqual([]);
    const parameters = Object.values(served.paths).flatMap((methods) =>
      Object.values(methods).flatMap(
        (op) => (op as { parameters?: { name: string; in: string; schema: Schema }[] }).parameters ?? [],
      ),
    );
    for (const parameter of parameters.filter((p) => p.in === 'path')) {
      expect([parameter.name, parameter.schema.format]).toEqual([parameter.name, 'uuid']);
    }
    for (const parameter of parameters.filter((p) => p.schema.type === 'number')) {
      throw new Error(`${parameter.name} is a number, not an integer`);
    }
  });

  it('describes every member a problem document may carry', () => {
    expect(Object.keys(served.components.schemas.ProblemDto.properties).sort()).toEqual(
      [
        'code',
        'conflicting_file_id',
        'conflicting_folder_id',
        'detail',
        'errors',
        'max_entries',
        'max_size_in_bytes',
        'photo_status',
        'status',
        'title',
        'type',
      ].sort(),
    );
  });

  it('marks the internal endpoints, and leaves them out of the clients’ document', () => {
    const internal = Object.entries(served.paths).flatMap(([path, methods]) =>
      Object.values(methods)
        .filter((op) => op['x-internal'])
        .map((op) => [path, op.tags, op.security]),
    );
    expect(internal.sort()).toEqual(
      ['/confirm-file-preview', '/confirm-file-upload', '/confirm-profile-picture'].map((path) => [
        path,
        ['internal'],
        [{ lambda_secret: [] }],
      ]),
    );
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    for (const [path] of internal) expect(committed.paths).not.toHaveProperty([path as string]);
    expect(JSON.stringify(committed)).not.toMatch(/lambda_secret|x-internal|Confirm[A-Za-z]*Dto/);
  });

  it('declares `security: []` on exactly the routes that need no token: the others answer 401 without one', async () => {
    for (const [path, methods] of Object.entries(served.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const url = path.replace(/\{[a-z_]+\}/g, randomUUID());
        const res = await (t.http as any)[method](url).send({});
        const needsToken = op.security?.some((scheme) => 'bearer' in scheme) ?? false;
        expect(op.security).toBeDefined();
        expect([method, path, res.status === 401]).toEqual([method, path, needsToken]);
        if (!needsToken && !op['x-internal']) expect(op.security).toEqual([]);
      }
    }
  });

  it('is built from current Swagger plugin metadata (run `npm run openapi` after changing a DTO)', () => {
    const scratch = 'metadata.check.ts';
    try {
      generatePluginMetadata(METADATA_DIR, scratch);
      expect(readFileSync(join(METADATA_DIR, scratch), 'utf8')).toBe(
        readFileSync(join(METADATA_DIR, 'metadata.ts'), 'utf8'),
      );
    } finally {
      rmSync(join(METADATA_DIR, scratch), { force: true });
    }
  });

  it('gives every route a unique operationId', () => {
    const ids = operations().map((operation) => operation.operationId);
    expect(ids).toEqual(
      expect.arrayContaining(['createUser', 'login', 'verifyToken', 'checkHealth', 'checkReadiness']),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
  });

  it('declares the bearer and X-Lambda-Secret schemes, and documents 401 on every route that needs a token', () => {
    expect(served.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      lambda_secret: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Lambda-Secret' }),
    });
    for (const operation of operations().filter((op) => op.security?.some((scheme) => 'bearer' in scheme))) {
      expect(Object.keys(operation.responses)).toContain('401');
    }
  });

  it('documents 422 on every route that takes a body, and every error code in its description', () => {
    for (const operation of operations().filter((op) => op.requestBody)) {
      expect([operation.operationId, Object.keys(operation.responses)]).toEqual([
        operation.operationId,
        expect.arrayContaining(['422']),
      ]);
    }
    for (const code of Object.keys(ERROR_CODES)) expect(served.info.description).toContain(`\`${code}\``);
  });
});
