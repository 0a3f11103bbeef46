/**
 * The import rules of DESIGN.md ("who may import whom"), checked by `npm run lint`:
 * apps import libs; no lib imports an app; neither app imports the other; feature modules of the API
 * reach each other only through what a module exports (its *.module.ts or a service it provides).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-app',
      severity: 'error',
      comment: 'Libraries are shared by both apps and must not depend on either.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-imports-other-app',
      severity: 'error',
      comment: 'The API and the workers are separate programs; what both need belongs in libs/.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'lib-imports-testing',
      severity: 'error',
      comment: 'Test helpers never ship in production code.',
      from: { path: '^(apps|libs)/', pathNot: '(\\.(spec|integration-spec)\\.ts$|^libs/testing/)' },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'common-imports-feature',
      severity: 'error',
      comment: 'apps/api/src/common holds HTTP plumbing with no business rules: it must not reach into features.',
      from: { path: '^apps/api/src/common/' },
      to: { path: '^apps/api/src/modules/' },
    },
    {
      name: 'feature-reaches-into-feature',
      severity: 'error',
      comment:
        'A feature module uses another only through what that module exports: its module, its services, or its index.ts.',
      from: { path: '^apps/api/src/modules/([^/]+)/' },
      to: {
        path: '^apps/api/src/modules/',
        pathNot: ['^apps/api/src/modules/$1/', '^apps/api/src/modules/[^/]+/([^/]+\\.(module|service)|index)\\.ts$'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^dist/|^coverage/|apps/api/src/metadata\\.ts$)' },
  },
};
