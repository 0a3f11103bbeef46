import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '@app/contracts';
import { generatePluginMetadata, METADATA_DIR, OPENAPI_FILE } from '../scripts/openapi';
import { startTestApp, TestApp } from './support/test-app';

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

describe('the OpenAPI document', () => {
  let t: TestApp;
  let served: { info: { description: string }; paths: Record<string, Record<string, Operation>>; components: any };
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

  it('is committed as it is served (run `npm run openapi` after changing the API)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(served);
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
