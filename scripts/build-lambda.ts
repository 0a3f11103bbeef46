/**
 * npm run build:lambda: one zip per Lambda function under dist/lambda/ (`files.zip`, `profile-photos.zip`),
 * each holding `index.js` (handler `index.handler`: the workers bundled by esbuild, the AWS SDK included so the
 * code runs with the versions it was tested with) and `node_modules/` with sharp and its prebuilt libvips for
 * Lambda's linux-x64 and linux-arm64, installed for those platforms as sharp's documentation describes.
 *
 * TypeScript is compiled by SWC inside esbuild (esbuild cannot emit the decorator metadata Nest's injection
 * reads); the @app/* paths are resolved by esbuild from tsconfig.json.
 */
import AdmZip from 'adm-zip';
import { transformFile } from '@swc/core';
import { build, Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const LAMBDA_DIR = join(ROOT, 'dist', 'lambda');

/** The functions: the zip's name and the handler module it bundles. */
export const LAMBDA_FUNCTIONS = {
  files: 'apps/workers/src/handlers/files.handler.ts',
  'profile-photos': 'apps/workers/src/handlers/profile-photos.handler.ts',
} as const;

/** Lambda's two architectures; the function may be deployed on either. */
const PLATFORMS = ['x64', 'arm64'] as const;

/** Nest loads these lazily, and only for features the workers do not use. */
const OPTIONAL_NEST_PACKAGES = [
  '@nestjs/microservices',
  '@nestjs/microservices/microservices-module',
  '@nestjs/websockets',
  '@nestjs/websockets/socket-module',
  '@nestjs/platform-express',
  'class-transformer/storage',
];

const swcDecorators: Plugin = {
  name: 'swc-decorators',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes('node_modules')) return undefined;
      const { code } = await transformFile(path, {
        sourceMaps: 'inline',
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      });
      return { contents: code, loader: 'js' };
    });
  },
};

function sharpVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'sharp', 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** sharp and its dependencies for one Linux architecture, installed once and kept in node_modules/.cache. */
function sharpFor(cpu: (typeof PLATFORMS)[number], version: string): string {
  const prefix = join(ROOT, 'node_modules', '.cache', 'lambda-sharp', `${version}-linux-${cpu}`);
  if (existsSync(join(prefix, 'node_modules', '@img', `sharp-linux-${cpu}`))) return prefix;
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--os=linux'].concat([
      `--cpu=${cpu}`,
      '--libc=glibc',
      `sharp@${version}`,
    ]),
    { stdio: 'inherit' },
  );
  return prefix;
}

/** Builds every function into `outDir` (default dist/lambda), afresh; answers the zips' paths. */
export async function buildLambdas(outDir = LAMBDA_DIR): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const version = sharpVersion();
  const prefixes = PLATFORMS.map((cpu) => sharpFor(cpu, version));
  const zips: string[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_FUNCTIONS)) {
    const dir = join(outDir, name);
    await build({
      entryPoints: [join(ROOT, entry)],
      outfile: join(dir, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      tsconfig: join(ROOT, 'tsconfig.json'),
      external: ['sharp', ...OPTIONAL_NEST_PACKAGES],
      // file-type is ESM-only and exports no `require` condition; SWC's CommonJS output requires it.
      alias: { 'file-type': join(ROOT, 'node_modules', 'file-type', 'index.js') },
      plugins: [swcDecorators],
      minify: true,
      keepNames: true,
      sourcemap: false,
      legalComments: 'external',
      logLevel: 'warning',
    });
    // The first platform's tree (sharp and its JS dependencies), then every platform's native packages.
    cpSync(join(prefixes[0], 'node_modules'), join(dir, 'node_modules'), { recursive: true });
    for (const prefix of prefixes.slice(1)) {
      for (const pkg of readdirSync(join(prefix, 'node_modules', '@img'))) {
        cpSync(join(prefix, 'node_modules', '@img', pkg), join(dir, 'node_modules', '@img', pkg), { recursive: true });
      }
    }
    rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
    const zip = new AdmZip();
    zip.addLocalFolder(dir);
    const file = join(outDir, `${name}.zip`);
    zip.writeZip(file);
    zips.push(file);
  }
  return zips;
}

if (require.main === module) {
  buildLambdas()
    .then((zips) => console.log(`Wrote ${zips.map((zip) => zip.replace(`${ROOT}/`, '')).join(', ')}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
