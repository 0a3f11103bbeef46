// The fuzz suite alone (`npm run test:fuzz`): the default config's transform, module mapping and embedded
// PostgreSQL, collecting only test/fuzz/*.fuzz.ts, which `npm test` leaves out (it takes a few minutes).
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/fuzz'],
  testRegex: '.*\\.fuzz\\.ts$',
  // A run of 10,000 requests takes a few minutes on a busy two-core machine; FUZZ_REQUESTS scales it.
  testTimeout: 30 * 60 * 1000,
  collectCoverageFrom: undefined,
  coverageThreshold: undefined,
};
