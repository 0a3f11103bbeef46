// npm run test:browser: the web app in Debian's Chromium (playwright-core) against the built API and web app
// started as `npm start` runs them. Not part of `npm test`, which needs no browser.
const base = require('./jest.base');

/** @type {import('jest').Config} */
module.exports = {
  ...base.project,
  roots: ['<rootDir>/test/browser'],
  testRegex: '.*\\.browser-spec\\.ts$',
  testTimeout: 240000,
};
