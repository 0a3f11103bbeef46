// The stack's assertion tests and the checks of the repository's deployment files (Dockerfile, compose, workflows).
// @swc/jest compiles each file on its own (no type checking here: `npm run typecheck` does that), which is what
// keeps aws-cdk-lib's large typings from slowing every run.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testRegex: '\\.test\\.ts$',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testTimeout: 60000,
};
