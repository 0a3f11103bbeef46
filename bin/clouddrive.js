#!/usr/bin/env node
// The `clouddrive` command: runs the CLI that `npm run build` bundled into dist/cli (see docs/CLI.md).
const { join } = require('node:path');

let cli;
try {
  cli = require(join(__dirname, '..', 'dist', 'cli', 'main.js'));
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('main.js')) throw error;
  process.stderr.write('clouddrive: not built yet: run `npm run build` (or `npm run build:cli`) first.\n');
  process.exit(1);
}
cli.main().then((code) => (process.exitCode = code));
