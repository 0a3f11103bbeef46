// npm run test:browser: the web app in Debian's Chromium (playwright-core) against the built API and web app
// started as `npm start` runs them. Not part of `npm test`, which needs no browser.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 240000,
  coverageThreshold: undefined,
};
