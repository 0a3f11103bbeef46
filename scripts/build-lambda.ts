/**
 * npm run build:lambda: one zip per Lambda function under dist/lambda/ (`files.zip`, `profile-photos.zip`),
 * each holding `index.js` (handler `index.handler`: the workers bundled by esbuild, the AWS SDK included so the
 * code runs with the versions it was tested with) and `node_modules/` with the native packages it needs for the
 * functions' architecture only (linux-arm64, as the stack deploys them; `--arch x64` for the other), installed for
 * that platform as sharp's documentation describes: sharp and its prebuilt libvips in both; in `files`, also
 * pdf.js (its Node build, fonts and character maps only), @napi-rs/canvas and the ffmpeg binary of
 * @ffmpeg-installer (executable in the zip), with `pdf-page.child.js`, the PDF renderer's child process, beside
 * `index.js`. It prints each zip's size, packed and unpacked, and fails above Lambda's 250 MB unpacked.
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
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
export const LAMBDA_DIR = join(ROOT, 'dist', 'lambda');

/** The functions: the zip's name and the handler module it bundles. */
export const LAMBDA_FUNCTIONS = {
  files: 'apps/workers/src/handlers/files.handler.ts',
  'profile-photos': 'apps/workers/src/handlers/profile-photos.handler.ts',
} as const;

/** Beside a function's index.js, the PDF renderer's child process (only `files` previews PDFs). */
const CHILD_ENTRIES: Partial<Record<keyof typeof LAMBDA_FUNCTIONS, Record<string, string>>> = {
  files: { 'pdf-page.child': 'apps/workers/src/media/pdf-page.child.ts' },
};

/** Lambda's limit on a function's code, unpacked. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

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

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The packages (name@version, as installed here) a function needs at run time, for a Linux architecture. */
function packagesFor(name: string): string[] {
  const sharp = [`sharp@${installedVersion('sharp')}`];
  if (!CHILD_ENTRIES[name as keyof typeof LAMBDA_FUNCTIONS]) return sharp;
  return [
    ...sharp,
    `pdfjs-dist@${installedVersion('pdfjs-dist')}`,
    `@napi-rs/canvas@${installedVersion('@napi-rs/canvas')}`,
    // Its binary comes with the optional package for the platform asked for.
    `@ffmpeg-installer/ffmpeg@${installedVersion('@ffmpeg-installer/ffmpeg')}`,
  ];
}

/** Packages and their dependencies for one Linux architecture, installed once and kept in node_modules/.cache. */
function installFor(cpu: LambdaArch, packages: string[]): string {
  const id = createHash('sha256').update(packages.join(' ')).digest('hex').slice(0, 16);
  const prefix = join(ROOT, 'node_modules', '.cache', 'lambda-packages', `${id}-linux-${cpu}`);
  if (existsSync(join(prefix, 'installed'))) return prefix;
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  // Install scripts are not run (the binaries ship in the packages); only the named packages, for this platform.
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts']
      .concat(['--os=linux', `--cpu=${cpu}`, '--libc=glibc'])
      .concat(packages),
    { stdio: 'inherit' },
  );
  pruneUnused(join(prefix, 'node_modules'));
  writeFileSync(join(prefix, 'installed'), packages.join('\n'));
  return prefix;
}

/** What the workers never load: pdf.js' browser builds, viewer, types and source maps (~35 MB). */
function pruneUnused(modules: string): void {
  const pdfjs = join(modules, 'pdfjs-dist');
  if (!existsSync(pdfjs)) return;
  for (const dir of ['build', 'web', 'types', 'image_decoders', 'iccs', 'wasm']) {
    rmSync(join(pdfjs, dir), { recursive: true, force: true });
  }
  for (const file of readdirSync(join(pdfjs, 'legacy', 'build'))) {
    if (!['pdf.mjs', 'pdf.worker.mjs'].includes(file)) rmSync(join(pdfjs, 'legacy', 'build', file));
  }
  for (const dir of readdirSync(join(pdfjs, 'legacy'))) {
    if (dir !== 'build') rmSync(join(pdfjs, 'legacy', dir), { recursive: true, force: true });
  }
}

/** Builds every function into `outDir` (default dist/lambda), afresh, for `arch`; answers the zips' paths. */
export async function buildLambdas(outDir = LAMBDA_DIR, arch: LambdaArch = DEPLOYED_ARCH): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const zips: string[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_FUNCTIONS)) {
    const dir = join(outDir, name);
    const children = CHILD_ENTRIES[name as keyof typeof LAMBDA_FUNCTIONS] ?? {};
    await build({
      entryPoints: { index: join(ROOT, entry), ...mapValues(children, (path) => join(ROOT, path)) },
      outdir: dir,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      tsconfig: join(ROOT, 'tsconfig.json'),
      // Loaded from the zip's node_modules: native code, and pdf.js' ES modules (its worker is a file of its own).
      external: ['sharp', 'pdfjs-dist', '@napi-rs/canvas', ...OPTIONAL_NEST_PACKAGES],
      // file-type is ESM-only and exports no `require` condition; SWC's CommonJS output requires it.
      alias: { 'file-type': join(ROOT, 'node_modules', 'file-type', 'index.js') },
      plugins: [swcDecorators],
      minify: true,
      keepNames: true,
      sourcemap: false,
      legalComments: 'external',
      logLevel: 'warning',
    });
    // The native packages for this architecture, and their JS dependencies.
    cpSync(join(installFor(arch, packagesFor(name)), 'node_modules'), join(dir, 'node_modules'), {
      recursive: true,
    });
    rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
    const file = join(outDir, `${name}.zip`);
    writeReproducibleZip(dir, file);
    zips.push(file);
  }
  return zips;
}

/**
 * Zips the files under `dir`, sorted by path, each with the same time and a mode that depends only on its kind
 * (executable where it was: the ffmpeg binary).
 */
function writeReproducibleZip(dir: string, file: string): void {
  const zip = new AdmZip();
  for (const path of filesUnder(dir)) {
    const name = relative(dir, path).split('\\').join('/');
    zip.addFile(name, readFileSync(path), '', statSync(path).mode & 0o100 ? 0o755 : 0o644);
    zip.getEntry(name)!.header.time = ZIP_ENTRY_TIME;
  }
  zip.writeZip(file);
}

/** A zip's size, and the size of what it holds (what Lambda's 250 MB limit is on). */
export function zipSizes(file: string): { packed: number; unpacked: number } {
  const unpacked = new AdmZip(file).getEntries().reduce((sum, entry) => sum + entry.header.size, 0);
  return { packed: statSync(file).size, unpacked };
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
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
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  buildLambdas(LAMBDA_DIR, arch)
    .then((zips) => {
      for (const zip of zips) {
        const { packed, unpacked } = zipSizes(zip);
        console.log(`Wrote ${zip.replace(`${ROOT}/`, '')} (linux-${arch}): ${mb(packed)}, ${mb(unpacked)} unpacked`);
        if (unpacked > LAMBDA_UNZIPPED_LIMIT_BYTES) throw new Error(`${zip} is over Lambda's 250 MB unpacked`);
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
