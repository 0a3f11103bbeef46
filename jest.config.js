// One jest run covers unit specs (beside the code) and end-to-end specs (test/), against the embedded
// PostgreSQL that globalSetup starts, or against TEST_DATABASE_URL when it is set.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
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
