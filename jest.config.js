// One jest run covers three projects: unit specs (beside the code), the repositories' integration specs
// (libs/db, against the real database) and end-to-end specs (test/, over HTTP); the last two run on the embedded
// PostgreSQL that globalSetup starts, or on TEST_DATABASE_URL when it is set. `npm run test:unit` (and
// test:integration, test:e2e) runs one project; `npx jest --selectProjects unit integration` several.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const base = require('./jest.base');

/**
 * Where PostgreSQL's programs are (`pg_config --bindir`, else the newest /usr/lib/postgresql/<n>/bin), for the
 * suites that start and stop a cluster of their own (test/*.postgres.e2e-spec.ts). They are collected where
 * the programs are, so `npm test` runs them on any machine that has PostgreSQL installed and needs no service
 * elsewhere; TEST_FAULTS=1 (CI) collects them always, and they then fail saying what is missing.
 */
function postgresBinDir() {
  const hasPrograms = (dir) => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(dir, name)));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (hasPrograms(dir.trim())) return dir.trim();
  } catch {
    // No pg_config on the PATH: look where Debian and Ubuntu put the servers.
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((version) => join(root, version, 'bin')).find(hasPrograms);
}

const postgresBin = postgresBinDir();
// Handed to the test files (read through libs/config's readTestEnvironment, like globalSetup's URLs).
if (postgresBin) process.env.CLOUDDRIVE_TEST_POSTGRES_BIN = postgresBin;
const collectPostgresSuites = postgresBin !== undefined || process.env.TEST_FAULTS === '1';

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...base.project, displayName: 'unit', roots: ['<rootDir>/apps', '<rootDir>/libs'], testRegex: '.*\\.spec\\.ts$' },
    {
      ...base.project,
      displayName: 'integration',
      roots: ['<rootDir>/libs'],
      testRegex: '.*\\.integration-spec\\.ts$',
    },
    {
      ...base.project,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.e2e-spec\\.ts$',
      testPathIgnorePatterns: ['/node_modules/', ...(collectPostgresSuites ? [] : ['\\.postgres\\.e2e-spec\\.ts$'])],
    },
  ],
  ...base.global,
};
