import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicDocument, SDK_SCHEMA_FILE } from '../scripts/sdk';

describe('the SDK', () => {
  it('is generated from the committed OpenAPI document (run `npm run sdk` after changing openapi/openapi.json)', () => {
    const root = join(__dirname, '..');
    const fresh = execFileSync(process.execPath, ['-r', '@swc-node/register', 'scripts/sdk.ts', '--stdout'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(readFileSync(SDK_SCHEMA_FILE, 'utf8')).toBe(fresh);
  });

  it('leaves out the internal endpoints', () => {
    const document = {
      paths: {
        '/a': { get: { tags: ['files'] }, post: { tags: ['internal'] } },
        '/confirm': { post: { tags: ['internal'] } },
      },
    };
    expect(publicDocument(document).paths).toEqual({ '/a': { get: { tags: ['files'] } } });
    const schema = readFileSync(SDK_SCHEMA_FILE, 'utf8');
    expect(schema).toContain('"/drive/{folder_id}"');
    expect(schema).not.toContain('"/confirm-file-upload"');
  });
});
