import AdmZip from 'adm-zip';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeS3Key, objectCreatedRecord } from '@app/contracts';
import { objectKeys } from '@app/storage';
import {
  buildLambdas,
  DEPLOYED_ARCH,
  LambdaArch,
  LAMBDA_FUNCTIONS,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
  zipSizes,
} from '../scripts/build-lambda';
import { download, expectProblem, expectStatus, FileDrive, sendBytes, Upload } from './support/drive-files';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { encodeClip, fixturePath, pdfDocument } from '@app/testing';

const FIXTURE = fixturePath('exif-orientation', 'Portrait_6.jpg');

interface Invocation {
  code: number | null;
  /** What the handler resolved with, when it did. */
  result?: { key: string; outcome: string }[];
  output: string;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The paths of a zip's entries, and what they hold. */
const entries = (zip: string) => new AdmZip(zip).getEntries().map((entry) => entry.entryName);

/**
 * `npm run build:lambda`'s zips for the deployed architecture: that architecture's sharp only, and the same bytes
 * from the same sources (so that a deploy leaves unchanged functions alone).
 */
describe('Lambda packaging: what is deployed', () => {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'clouddrive-lambda-deployed-')));
  const other: LambdaArch = DEPLOYED_ARCH === 'arm64' ? 'x64' : 'arm64';
  let first: string[];
  let second: string[];

  beforeAll(async () => {
    first = await buildLambdas(dirs[0]);
    second = await buildLambdas(dirs[1]);
  }, 240_000);

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is built for arm64, as the stack deploys the functions', () => {
    expect(DEPLOYED_ARCH).toBe('arm64');
  });

  it('carries sharp for the deployed architecture only', () => {
    for (const zip of first) {
      const names = entries(zip);
      expect(names).toContain('index.js');
      expect(names).toContain(`node_modules/@img/sharp-linux-${DEPLOYED_ARCH}/package.json`);
      expect(names).toContain(`node_modules/@img/sharp-libvips-linux-${DEPLOYED_ARCH}/package.json`);
      expect(names.filter((name) => name.includes(`linux-${other}`))).toEqual([]);
    }
  });

  it('carries, in files only, pdf.js, the canvas and an executable ffmpeg for that architecture, under 250 MB', () => {
    const files = new AdmZip(first.find((zip) => zip.endsWith('/files.zip'))!);
    const names = files.getEntries().map((entry) => entry.entryName);
    expect(names).toEqual(
      expect.arrayContaining([
        'pdf-page.child.js',
        'node_modules/pdfjs-dist/legacy/build/pdf.mjs',
        'node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs',
        'node_modules/pdfjs-dist/standard_fonts/FoxitSerif.pfb',
        `node_modules/@napi-rs/canvas-linux-${DEPLOYED_ARCH}-gnu/package.json`,
        `node_modules/@ffmpeg-installer/linux-${DEPLOYED_ARCH}/ffmpeg`,
      ]),
    );
    // Executable for Lambda's user (the unix mode is in the entry's external attributes).
    const ffmpeg = files.getEntry(`node_modules/@ffmpeg-installer/linux-${DEPLOYED_ARCH}/ffmpeg`)!;
    expect((ffmpeg.attr >>> 16) & 0o777).toBe(0o755);
    const photos = entries(first.find((zip) => zip.endsWith('/profile-photos.zip'))!);
    expect(photos.filter((name) => /pdfjs|canvas|ffmpeg|pdf-page/.test(name))).toEqual([]);
    for (const zip of first) expect(zipSizes(zip).unpacked).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
  });

  it('gives the same bytes, and hash, when built again from the same sources', () => {
    expect(second.map(sha256)).toEqual(first.map(sha256));
    const times = new AdmZip(first[0]).getEntries().map((entry) => entry.header.time.getTime());
    expect(new Set(times).size).toBe(1);
  });
});

/**
 * `npm run build:lambda`'s artefacts, as Lambda runs them (built for this machine's architecture): each zip
 * unpacked on its own, its `index.handler` invoked in a fresh Node process (no repository, no node_modules but the
 * zip's) with a real S3 event record and a Lambda context, against the API over HTTP and the local store on disk.
 */
describe('Lambda packaging: the built zips run their handlers', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'clouddrive-lambda-'));
  const unpacked: Record<string, string> = {};
  let t: TestApp;
  let apiUrl: string;

  beforeAll(async () => {
    const zips = await buildLambdas(outDir, process.arch as LambdaArch);
    for (const zip of zips) {
      const name = zip.slice(outDir.length + 1, -'.zip'.length);
      unpacked[name] = mkdtempSync(join(tmpdir(), `clouddrive-${name}-`));
      // As Lambda unpacks it: modes kept (ffmpeg is executable).
      new AdmZip(zip).extractAllTo(unpacked[name], false, true);
    }
    t = await startTestApp();
    apiUrl = await t.app.getUrl();
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    for (const dir of [outDir, ...Object.values(unpacked)]) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `node -e` in the unpacked function with a Lambda-like environment and one event. */
  function invoke(name: keyof typeof LAMBDA_FUNCTIONS, key: string, env: Record<string, string> = {}) {
    const event = { Records: [objectCreatedRecord('clouddrive', encodeS3Key(key), 0)] };
    const context = '{ getRemainingTimeInMillis: () => 30000 }';
    const script = `require('./index.js').handler(JSON.parse(process.argv[1]), ${context}).then(
      (result) => { console.log('RESULT ' + JSON.stringify(result)); },
      (error) => { console.error('FAILED ' + error.message); process.exitCode = 1; })`;
    return new Promise<Invocation>((resolve) => {
      const child = spawn(process.execPath, ['-e', script, JSON.stringify(event)], {
        cwd: unpacked[name],
        env: {
          PATH: process.env.PATH ?? '',
          DATA_DIR: t.config.dataDir,
          API_URL: apiUrl,
          LAMBDA_SECRET: t.config.auth.lambdaSecret,
          LOG_LEVEL: 'warn',
          ...env,
        },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => {
        const line = /^RESULT (.*)$/m.exec(output);
        resolve({ code, output, result: line ? JSON.parse(line[1]) : undefined });
      });
    });
  }

  it('builds one zip per function, each with its bundle and sharp for the architecture asked for', () => {
    expect(Object.keys(unpacked).sort()).toEqual(Object.keys(LAMBDA_FUNCTIONS).sort());
    for (const dir of Object.values(unpacked)) {
      expect(existsSync(join(dir, 'index.js'))).toBe(true);
      const cpu = process.arch;
      expect(existsSync(join(dir, 'node_modules', '@img', `sharp-linux-${cpu}`, 'package.json'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules', '@img', `sharp-libvips-linux-${cpu}`, 'package.json'))).toBe(true);
    }
  });

  it('files: confirms an upload and makes its preview, upright', async () => {
    const drive = new FileDrive(t.http, await registerAndLogin(t.http));
    const bytes = readFileSync(FIXTURE);
    const { file, upload } = await drive.startUpload('portrait.txt', bytes, { content_type: 'text/plain' });
    await sendBytes(upload, bytes);

    const run = await invoke('files', objectKeys.file(drive.account.id, file.id));
    expect(run).toMatchObject({ code: 0, result: [{ outcome: 'confirmed, preview ready' }] });

    expect(await drive.listed(file.id)).toMatchObject({ content_type: 'image/jpeg', preview_status: 'ready' });
    const preview = await t.http.get(`/image-preview/${file.id}`).set(drive.auth);
    expectStatus(preview, 200);
    const image = await sharp((await download(preview.body.url)).body).metadata();
    // Portrait_6 is stored landscape with "rotate 90°" in its EXIF: upright, it is taller than wide.
    expect(image.height).toBeGreaterThan(image.width);
    expect({ width: image.width, height: image.height }).toEqual({
      width: preview.body.width,
      height: preview.body.height,
    });
    expect(image.exif).toBeUndefined();
  });

  it('files: previews a PDF’s first page (pdf.js in its child process) and a video’s poster frame (ffmpeg), from the zip', async () => {
    const drive = new FileDrive(t.http, await registerAndLogin(t.http));
    const files = [
      { name: 'letter.pdf', bytes: await pdfDocument(), size: { width: 309, height: 400 } },
      {
        name: 'clip.webm',
        bytes: await encodeClip({ container: 'webm', seconds: 3, width: 640, height: 480 }),
        size: { width: 400, height: 300 },
      },
    ];
    for (const { name, bytes, size } of files) {
      const { file, upload } = await drive.startUpload(name, bytes);
      await sendBytes(upload, bytes);
      const run = await invoke('files', objectKeys.file(drive.account.id, file.id));
      expect({ name, ...run }).toMatchObject({ name, code: 0, result: [{ outcome: 'confirmed, preview ready' }] });
      const preview = await t.http.get(`/image-preview/${file.id}`).set(drive.auth);
      expectStatus(preview, 200);
      expect({ name, width: preview.body.width, height: preview.body.height }).toEqual({ name, ...size });
    }
  }, 60_000);

  it('files: carries an ffmpeg that runs from the unpacked zip', async () => {
    const dir = join(unpacked.files, 'node_modules', '@ffmpeg-installer', `linux-${process.arch}`);
    const clip = join(outDir, 'clip.webm');
    writeFileSync(clip, await encodeClip({ container: 'webm', seconds: 2 }));
    const run = spawnSync(join(dir, 'ffmpeg'), ['-hide_banner', '-i', clip, '-frames:v', '1', '-f', 'null', '-'], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect({ status: run.status, video: /Video: vp9/.test(run.stderr) }).toEqual({ status: 0, video: true });
  });

  it('profile-photos: an executable named like a photo is deleted and reported rejected', async () => {
    const drive = new FileDrive(t.http, await registerAndLogin(t.http));
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(512, 0x41)]);
    const requested = await t.http
      .post('/profile-photo')
      .set(drive.auth)
      .send({ photo_size_in_bytes: exe.length, content_type: 'image/jpeg' });
    expectStatus(requested, 200);
    await sendBytes(requested.body.upload as Upload, exe);

    const key = objectKeys.profilePhotoOriginal(drive.account.id);
    const run = await invoke('profile-photos', key);
    expect(run).toMatchObject({ code: 0, result: [{ key, outcome: 'rejected' }] });
    expect(existsSync(join(t.config.dataDir, 'objects', key))).toBe(false);
    const photo = await t.http.get('/profile-photo').set(drive.auth);
    expectProblem(photo, 404, 'no_profile_photo');
    expect(photo.body.photo_status).toBe('rejected');
  });

  it('each function leaves alone what is not under its prefix', async () => {
    const run = await invoke('profile-photos', objectKeys.file(randomUUID(), randomUUID()));
    expect(run).toMatchObject({ code: 0, result: [{ outcome: 'ignored' }] });
  });

  it('reports a failure (the invocation fails, so S3 retries the event) when the API cannot be reached', async () => {
    const drive = new FileDrive(t.http, await registerAndLogin(t.http));
    const bytes = Buffer.from('hello');
    const { file, upload } = await drive.startUpload('hello.txt', bytes);
    await sendBytes(upload, bytes);
    const run = await invoke('files', objectKeys.file(drive.account.id, file.id), { API_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/FAILED/);
    expect(await drive.listed(file.id)).toBeUndefined();
  });

  it('refuses to start without the API URL and the shared secret, naming them', async () => {
    const run = await invoke('files', 'files/x', { API_URL: '', LAMBDA_SECRET: '' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/LAMBDA_SECRET must be set/);
    expect(run.output).toMatch(/API_URL must be set/);
  });
});
