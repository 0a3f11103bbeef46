/**
 * npm run build:lambda: one zip per Lambda function under dist/lambda/ (`files.zip`, `profile-photos.zip`),
 * each holding `index.js` (handler `index.handler`: the workers bundled by esbuild, the AWS SDK included so the
 * code runs with the versions it was tested with) and `node_modules/` with sharp and its prebuilt libvips for the
 * functions' architecture only (linux-arm64, as the stack deploys them; `--arch x64` for the other), installed for
 * that platform as sharp's documentation describes.
 *
 * The zips are reproducible: the same sources give the same bytes (entries in a fixed order, with a fixed time and
 * mode), so the asset's hash, and a deploy, change only when the code does.
 *
 * TypeScript is compiled by SWC inside esbuild (esbuild cannot emit the decorator metadata Nest's injection
 * reads); the @app/* paths are resolved by esbuild from tsconfig.json.
 */
import AdmZip from 'adm-zip';
import { transformFile } from '@swc/core';
import { build, Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
export const LAMBDA_DIR = join(ROOT, 'dist', 'lambda');

/** The functions: the zip's name and the handler module it bundles. */
export const LAMBDA_FUNCTIONS = {
  files: 'apps/workers/src/handlers/files.handler.ts',
  'profile-photos': 'apps/workers/src/handlers/profile-photos.handler.ts',
} as const;

/** Lambda's two architectures, by Node's names for them. */
export type LambdaArch = 'x64' | 'arm64';
/** The architecture the stack deploys the functions on (Graviton: infra/lib/clouddrive-stack.ts). */
export const DEPLOYED_ARCH: LambdaArch = 'arm64';

/** Every entry's time in the zips (DOS times start in 1980); the sources' own times would change the hash. */
const ZIP_ENTRY_TIME = new Date(1980, 0, 1);

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
function sharpFor(cpu: LambdaArch, version: string): string {
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

/** Builds every function into `outDir` (default dist/lambda), afresh, for `arch`; answers the zips' paths. */
export async function buildLambdas(outDir = LAMBDA_DIR, arch: LambdaArch = DEPLOYED_ARCH): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const sharp = sharpFor(arch, sharpVersion());
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
    // sharp, its JS dependencies and its native packages for this architecture.
    cpSync(join(sharp, 'node_modules'), join(dir, 'node_modules'), { recursive: true });
    rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
    const file = join(outDir, `${name}.zip`);
    writeReproducibleZip(dir, file);
    zips.push(file);
  }
  return zips;
}

/** Zips the files under `dir`, sorted by path, each with the same time and a mode that depends only on its kind. */
function writeReproducibleZip(dir: string, file: string): void {
  const zip = new AdmZip();
  for (const path of filesUnder(dir)) {
    const name = relative(dir, path).split('\\').join('/');
    zip.addFile(name, readFileSync(path), '', 0o644);
    zip.getEntry(name)!.header.time = ZIP_ENTRY_TIME;
  }
  zip.writeZip(file);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return entry.isFile() ? [path] : [];
    });
}

if (require.main === module) {
  const archIndex = process.argv.indexOf('--arch');
  const arch = (archIndex > 0 ? process.argv[archIndex + 1] : DEPLOYED_ARCH) as LambdaArch;
  if (arch !== 'x64' && arch !== 'arm64') throw new Error('--arch must be x64 or arm64');
  buildLambdas(LAMBDA_DIR, arch)
    .then((zips) => console.log(`Wrote ${zips.map((zip) => zip.replace(`${ROOT}/`, '')).join(', ')}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
