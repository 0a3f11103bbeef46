// What every jest configuration here shares: how TypeScript is compiled, the module mapping, and the embedded
// PostgreSQL that globalSetup starts (one per jest worker; see test/setup). jest.config.js splits `npm test` into
// projects (unit, integration, e2e); the fuzz and browser suites have configurations of their own.

/** Per project: compilation and modules. */
const project = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json', 'mjs'],
  testPathIgnorePatterns: ['/node_modules/'],
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
};

/** For the whole run: the database servers, the tests' timeout, and coverage (of every project together). */
const global = {
  rootDir: __dirname,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  // A run-wide option: jest reads no testTimeout from a project.
  testTimeout: 30000,
  collectCoverageFrom: ['apps/**/*.ts', 'libs/**/*.ts', '!**/*.spec.ts', '!**/*-spec.ts', '!apps/api/src/metadata.ts'],
  coverageReporters: ['text-summary', 'text', 'lcov'],
  coverageThreshold: { global: { lines: 85 } },
};

module.exports = { project, global };
