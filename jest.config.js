// One jest run covers unit specs (beside the code) and end-to-end specs (test/), against the embedded
// PostgreSQL that globalSetup starts, or against TEST_DATABASE_URL when it is set.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

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
  rootDir: '.',
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', ...(collectPostgresSuites ? [] : ['\\.postgres\\.e2e-spec\\.ts$'])],
  moduleFileExtensions: ['ts', 'js', 'json', 'mjs'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          keepClassNames: true,
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // file-type (the workers' sniffer) and its dependencies are ESM-only: compiled like our own code. file-type's
  // Node entry is exported only under `import`/`module-sync`; it is mapped by path rather than by turning on the
  // `module-sync` condition for every package (which sends, e.g., supertest's dependencies to their .mjs files).
  transformIgnorePatterns: ['/node_modules/(?!(file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit)/)'],
  moduleNameMapper: {
    '^@app/config/cli$': '<rootDir>/libs/config/src/cli-environment',
    '^@app/(config|contracts|db|sdk|storage|testing)$': '<rootDir>/libs/$1/src',
    '^file-type$': '<rootDir>/node_modules/file-type/index.js',
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 30000,
  collectCoverageFrom: ['apps/**/*.ts', 'libs/**/*.ts', '!**/*.spec.ts', '!apps/api/src/metadata.ts'],
  coverageReporters: ['text-summary', 'text', 'lcov'],
  coverageThreshold: { global: { lines: 85 } },
};
