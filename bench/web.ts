/**
 * The web app's figures for `npm run bench` (`npm run bench -- web` alone), each beside its peer:
 *
 * - the first load's JavaScript, gzipped, from the built assets index.html references (against the goal);
 * - navigation to a rendered folder of 1,000 items in Chromium (its first page, and all 1,000 by endless
 *   scrolling), beside the same page's navigation to a rendered empty folder (the ceiling);
 * - 200 files of 100 KB through the real upload UI (the file chooser), until all are confirmed, beside the same
 *   upload made here by the SDK;
 * - one 500 MB file through the browser, beside curl's PUT of the same file to a presigned URL of the same store.
 *
 * Against a running API (embedded mode) that serves the built web app; Debian's Chromium via playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { createCloudDriveClient, type CloudDriveClient, putUpload, signedHeaders, unwrap } from '@app/sdk';
import { launchChromium, signUp } from '../test/browser/browser';

const ROOT = join(__dirname, '..');
const WEB_DIR = join(ROOT, 'apps', 'web', 'dist');
const RUNS = 5;
const RUNS_BIG = 3;
const RUNS_UPLOAD = 3;

export interface WebFigures {
  firstLoadKiB: { js: number; jsRaw: number; css: number };
  /** Milliseconds from navigation start, p50. */
  folder: { firstPage: number; all: number; empty: number };
  /** Milliseconds until all 200 are confirmed (or how many were, if not all). */
  many: { browser: number; sdk: number; browserConfirmed: number; sdkConfirmed: number };
  /** MB/s (10^6 bytes) of one 500 MB PUT. */
  big: { browser: number; curl: number };
}

/** The scripts (and module preloads) and stylesheets index.html loads first, gzipped (level 9) and raw, in KiB. */
export function firstLoad(): WebFigures['firstLoadKiB'] {
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  const referenced = (pattern: RegExp) =>
    [...html.matchAll(pattern)].map((match) => readFileSync(join(WEB_DIR, match[1].replace(/^\//, ''))));
  const scripts = referenced(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g);
  const styles = referenced(/<link[^>]*rel="stylesheet"[^>]*\shref="([^"]+\.css)"/g);
  const kib = (files: Buffer[], zip: boolean) =>
    files.reduce((sum, file) => sum + (zip ? gzipSync(file, { level: 9 }) : file).length, 0) / 1024;
  return { js: kib(scripts, true), jsRaw: kib(scripts, false), css: kib(styles, true) };
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

/**
 * Polls every frame until `done` (an expression evaluated in the page: this file is compiled without the DOM
 * library) answers a time: performance.now(), the milliseconds since the navigation started.
 */
async function navigationTime(page: Page, path: string, done: string): Promise<number> {
  // From a blank page: the time of tearing down the previous page (1,000 rows) is not the next one's.
  await page.goto('about:blank');
  await page.goto(path, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(done, undefined, { polling: 'raf', timeout: 120000 });
  return (await handle.jsonValue()) as number;
}

async function folderTimes(page: Page, full: string, empty: string): Promise<WebFigures['folder']> {
  const firstPage: number[] = [];
  const all: number[] = [];
  const emptyTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    emptyTimes.push(
      await navigationTime(
        page,
        `/folders/${empty}`,
        "document.body.textContent.includes('This folder is empty') && performance.now()",
      ),
    );
    firstPage.push(
      await navigationTime(
        page,
        `/folders/${full}`,
        "document.querySelectorAll('tbody tr').length >= 50 && performance.now()",
      ),
    );
    // The same load, continued: scrolled to the end, page after page, until all 1,000 rows are there.
    all.push(
      await navigationTime(
        page,
        `/folders/${full}`,
        `(() => {
          const rows = document.querySelectorAll('tbody tr');
          if (rows.length >= 1000) return performance.now();
          rows[rows.length - 1]?.scrollIntoView();
          return false;
        })()`,
      ),
    );
  }
  return { firstPage: median(firstPage), all: median(all), empty: median(emptyTimes) };
}

async function confirmedCount(api: CloudDriveClient, folderId: string): Promise<number> {
  const listing = await unwrap(
    api.GET('/drive/{folder_id}', { params: { path: { folder_id: folderId }, query: { limit: 1000 } } }),
  );
  return listing.files_and_folders.length;
}

/**
 * Looks every 100 ms (a listing of up to 1,000 items is work for the API too: not more often) until `count` are
 * confirmed; gives up after a minute without progress. Answers how many were confirmed.
 */
async function untilConfirmed(api: CloudDriveClient, folderId: string, count: number): Promise<number> {
  let confirmed = 0;
  let progressAt = performance.now();
  for (;;) {
    const now = await confirmedCount(api, folderId);
    if (now >= count) return now;
    if (now > confirmed) [confirmed, progressAt] = [now, performance.now()];
    if (performance.now() - progressAt > 60000) {
      console.log(`  only ${confirmed} of ${count} confirmed after a minute without progress`);
      return confirmed;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function newFolder(api: CloudDriveClient, name: string): Promise<string> {
  return (await unwrap(api.POST('/drive', { body: { folder_name: name } }))).id;
}

/** The SDK's upload of the files into a folder: POST /files 100 at a time, four PUTs at a time (as the app). */
async function sdkUpload(api: CloudDriveClient, folderId: string, paths: string[]): Promise<void> {
  const queue: { path: string; upload: Parameters<typeof putUpload>[0] }[] = [];
  for (let start = 0; start < paths.length; start += 100) {
    const chunk = paths.slice(start, start + 100);
    const { results } = await unwrap(
      api.POST('/files', {
        body: {
          files: chunk.map((path) => ({
            file_name: path.slice(path.lastIndexOf('/') + 1),
            file_size_in_bytes: readFileSync(path).length,
            parent_folder_id: folderId,
          })),
        },
      }),
    );
    for (const result of results) queue.push({ path: chunk[result.index], upload: result.upload! });
  }
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await putUpload(next.upload, readFileSync(next.path));
    }),
  );
}

/**
 * Uploads through the page's file chooser into the folder it shows; resolves, when the panel says all are sent,
 * with the moment the files were chosen (performance.now()).
 */
async function browserUpload(page: Page, folderId: string, paths: string[]): Promise<number> {
  await page.goto(`/folders/${folderId}`);
  await page.getByRole('navigation', { name: 'Breadcrumb' }).waitFor();
  const began = performance.now();
  await page.getByLabel('Files to upload').setInputFiles(paths);
  await page
    .getByRole('region', { name: 'Uploads' })
    .getByText(`${paths.length} of ${paths.length} uploaded`)
    .waitFor({ timeout: 600000 });
  return began;
}

/** curl's PUT of the file to a presigned URL of a new upload in the folder: its seconds, as curl counts them. */
async function curlPut(api: CloudDriveClient, folderId: string, path: string, size: number): Promise<number> {
  const { upload } = await unwrap(
    api.POST('/file', { body: { file_name: 'big-curl.bin', file_size_in_bytes: size, parent_folder_id: folderId } }),
  );
  const headers = Object.entries(signedHeaders(upload)).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-sS', '-f', '-X', 'PUT', '-T', path, ...headers, '-H', 'Expect:', '-o', '/dev/null'];
  return Number(execFileSync('curl', [...args, '-w', '%{time_total}', upload.url], { encoding: 'utf8' }));
}

export async function webFigures(url: string): Promise<WebFigures> {
  const work = mkdtempSync(join(tmpdir(), 'clouddrive-bench-web-'));
  const browser = await launchChromium();
  try {
    // bypassCSP: the polled expressions are strings (evaluated, which the app's CSP forbids); nothing timed changes.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url, bypassCSP: true });
    const page = await context.newPage();
    const tag = Date.now().toString(36);
    await signUp(page, { username: `bench_web_${tag}`, email: `bench_web_${tag}@example.com`, password: 'bench-pass' });
    const session = await page.evaluate<string>("sessionStorage.getItem('clouddrive.session')");
    const token = (JSON.parse(session) as { token: string }).token;
    const api = createCloudDriveClient({ baseUrl: url, token: () => token });

    console.log('Web: a folder of 1,000 items, navigation to rendered…');
    const full = await newFolder(api, 'thousand');
    const empty = await newFolder(api, 'empty');
    // Folders: made at once, with no upload to confirm.
    const names = Array.from({ length: 1000 }, (_, i) => `item-${String(i).padStart(4, '0')}`);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let name = names.shift(); name; name = names.shift()) {
          await unwrap(api.POST('/drive', { body: { folder_name: name, parent_folder_id: full } }));
        }
      }),
    );
    const folder = await folderTimes(page, full, empty);

    console.log('Web: 200 files of 100 KB, browser and SDK…');
    const many = Array.from({ length: 200 }, (_, i) => {
      const path = join(work, 'many', `photo-${String(i).padStart(3, '0')}.bin`);
      mkdirSync(join(work, 'many'), { recursive: true });
      writeFileSync(path, Buffer.alloc(100 * 1024, i));
      return path;
    });
    // In turn, RUNS_UPLOAD times each (medians): the machine's load weighs on both alike.
    const browserTimes: number[] = [];
    const sdkTimes: number[] = [];
    let browserConfirmed = many.length;
    let sdkConfirmed = many.length;
    for (let run = 0; run < RUNS_UPLOAD; run++) {
      const viaBrowser = await newFolder(api, `many-browser-${run}`);
      const began = await browserUpload(page, viaBrowser, many);
      console.log(`  browser: all sent after ${(performance.now() - began).toFixed(0)} ms`);
      browserConfirmed = Math.min(browserConfirmed, await untilConfirmed(api, viaBrowser, many.length));
      browserTimes.push(performance.now() - began);
      const viaSdk = await newFolder(api, `many-sdk-${run}`);
      const sdkBegan = performance.now();
      await sdkUpload(api, viaSdk, many);
      console.log(`  SDK: all sent after ${(performance.now() - sdkBegan).toFixed(0)} ms`);
      sdkConfirmed = Math.min(sdkConfirmed, await untilConfirmed(api, viaSdk, many.length));
      sdkTimes.push(performance.now() - sdkBegan);
    }
    const manyBrowser = median(browserTimes);
    const manySdk = median(sdkTimes);

    console.log('Web: one 500 MB file, browser and curl…');
    const bigPath = join(work, 'big.bin');
    const size = 500 * 1000 * 1000;
    writeFileSync(bigPath, Buffer.alloc(size, 0x5a));
    // Turn about, RUNS_BIG times each: a shared machine's load then weighs on both alike; medians reported.
    const browserRates: number[] = [];
    const curlRates: number[] = [];
    for (let run = 0; run < RUNS_BIG; run++) {
      const bigFolder = await newFolder(api, `big-${run}`);
      const began = await browserUpload(page, bigFolder, [bigPath]);
      browserRates.push(size / 1e6 / ((performance.now() - began) / 1000));
      curlRates.push(size / 1e6 / (await curlPut(api, bigFolder, bigPath, size)));
    }
    const bigBrowser = median(browserRates);
    const bigCurl = median(curlRates);
    return {
      firstLoadKiB: firstLoad(),
      folder,
      many: { browser: manyBrowser, sdk: manySdk, browserConfirmed, sdkConfirmed },
      big: { browser: bigBrowser, curl: bigCurl },
    };
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function webRows(figures: WebFigures): string[][] {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const { firstLoadKiB: load, folder, many, big } = figures;
  return [
    [
      'Web app first load: JavaScript gzipped (index.html’s scripts) / the goal',
      `${load.js.toFixed(1)} KB / 150 KB (${(load.js / 150).toFixed(2)}×; ${load.jsRaw.toFixed(0)} KB raw, CSS ${load.css.toFixed(1)} KB gzipped)`,
      'at most 150 KB',
    ],
    [
      `Web app, Chromium: navigation to a rendered folder of 1,000 items (first page of 50) / to a rendered empty folder (ceiling), p50 of ${RUNS}`,
      `${ms(folder.firstPage)} / ${ms(folder.empty)} (${(folder.firstPage / folder.empty).toFixed(2)}×)`,
      '',
    ],
    [
      `Web app, Chromium: navigation to all 1,000 rows rendered (endless scrolling) / to a rendered empty folder, p50 of ${RUNS}`,
      `${ms(folder.all)} / ${ms(folder.empty)} (${(folder.all / folder.empty).toFixed(2)}×)`,
      '',
    ],
    [
      `200 files of 100 KB to confirmed, embedded store: the browser (upload UI, file chooser) / the SDK from Node, median of ${RUNS_UPLOAD} each, in turn`,
      many.browserConfirmed < 200 || many.sdkConfirmed < 200
        ? `not all confirmed: ${many.browserConfirmed} / ${many.sdkConfirmed} of 200`
        : `${ms(many.browser)} / ${ms(many.sdk)} (${(many.browser / many.sdk).toFixed(2)}×)`,
      'browser within 1.5×',
    ],
    [
      `One 500 MB file, embedded store: the browser’s PUT / curl’s PUT to a presigned URL, median of ${RUNS_BIG} each, in turn`,
      `${big.browser.toFixed(0)} MB/s / ${big.curl.toFixed(0)} MB/s (${((100 * big.browser) / big.curl).toFixed(0)} %)`,
      'at least 80 %',
    ],
  ];
}
