// The fuzz suite alone (`npm run test:fuzz`): the default config's transform, module mapping and embedded
// PostgreSQL, collecting only test/fuzz/*.fuzz.ts, which `npm test` leaves out (it takes a few minutes).
const base = require('./jest.base');

/** @type {import('jest').Config} */
module.exports = {
  ...base.project,
  globalSetup: base.global.globalSetup,
  globalTeardown: base.global.globalTeardown,
  roots: ['<rootDir>/test/fuzz'],
  testRegex: '.*\\.fuzz\\.ts$',
  // A run of 10,000 requests takes a few minutes on a busy two-core machine; FUZZ_REQUESTS scales it.
  testTimeout: 30 * 60 * 1000,
};
