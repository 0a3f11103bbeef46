/**
 * npm run openapi: regenerates the Swagger plugin's metadata (apps/api/src/metadata.ts) from the DTOs and
 * controllers, then writes the clients' OpenAPI document (internal endpoints left out) to openapi/openapi.json and
 * the SDK's types generated from it (libs/sdk/src/schema.ts). All are committed; a test fails when any is stale.
 */
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderSdkSchema, SDK_SCHEMA_FILE } from './sdk';

// The package exports the plugin as '@nestjs/swagger/plugin'; its types live under dist/ (invisible to
// TypeScript's classic resolution), hence the typed require.
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin') as typeof import('@nestjs/swagger/dist/plugin');

export const ROOT = join(__dirname, '..');
export const METADATA_DIR = join(ROOT, 'apps', 'api', 'src');
export const OPENAPI_FILE = join(ROOT, 'openapi', 'openapi.json');

/** The plugin options of nest-cli.json, so `nest build` and this script agree. */
const pluginOptions = require(join(ROOT, 'nest-cli.json')).compilerOptions.plugins.find(
  (plugin: { name: string }) => plugin.name === '@nestjs/swagger',
).options;

/** Writes metadata.ts into `outputDir`, exactly as `nest build` does, and answers with its text. */
export function generatePluginMetadata(outputDir: string, filename = 'metadata.ts'): string {
  new PluginMetadataGenerator().generate({
    visitors: [new ReadonlyVisitor({ ...pluginOptions, pathToSource: METADATA_DIR })],
    outputDir,
    filename,
    tsconfigPath: relative(process.cwd(), join(ROOT, 'apps', 'api', 'tsconfig.app.json')),
    printDiagnostics: false,
  });
  return readFileSync(join(outputDir, filename), 'utf8');
}

/** The OpenAPI document as committed: stable key order, two-space JSON, a final newline. */
export function serialiseOpenApi(document: unknown): string {
  return JSON.stringify(document, null, 2) + '\n';
}

async function main(): Promise<void> {
  generatePluginMetadata(METADATA_DIR);
  // Import after the metadata is regenerated, so the document is built from the fresh one.
  const { openApiDocument, publicOpenApiDocument } = await import('../apps/api/src/openapi');
  mkdirSync(join(ROOT, 'openapi'), { recursive: true });
  writeFileSync(OPENAPI_FILE, serialiseOpenApi(publicOpenApiDocument(await openApiDocument())));
  writeFileSync(SDK_SCHEMA_FILE, await renderSdkSchema());
  console.log('Wrote apps/api/src/metadata.ts, openapi/openapi.json and libs/sdk/src/schema.ts');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
