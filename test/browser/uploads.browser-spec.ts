import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { createCloudDriveClient, type CloudDriveClient, unwrap } from '@app/sdk';
import { freePort, newUserBody } from '@app/testing';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { launchChromium, row, screenshot, seriousViolations, signUp, watchPage } from './browser';

/**
 * The upload queue's less travelled paths in Chromium, against the built API and web app as `npm start` runs
 * them: uploads started elsewhere shown in the listing and cancelled, an upload cancelled in flight, a failed one
 * retried, and the one question per batch when names are taken.
 */
describe('uploads in the web app', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-browser-uploads-'));
  const files = join(dataDir, 'to-upload');
  const alice = newUserBody();
  const problems: string[] = [];
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let api: CloudDriveClient;

  const file = (dir: string, name: string, content: string | Buffer): string => {
    mkdirSync(join(files, dir), { recursive: true });
    writeFileSync(join(files, dir, name), content);
    return join(files, dir, name);
  };
  const panel = () => page.getByRole('region', { name: 'Uploads' });
  const task = (name: string) => panel().getByRole('listitem').filter({ hasText: name });
  const unfinished = () => page.getByRole('region', { name: 'Unfinished uploads' });
  const conflictDialog = () => page.getByRole('dialog', { name: 'Some names are taken' });

  /** The root's confirmed files (name → size) and its unfinished uploads' names, through the SDK. */
  async function root(): Promise<{ files: Record<string, number | null>; uploads: string[] }> {
    const listing = await unwrap(api.GET('/drive', { params: { query: { limit: 1000 } } }));
    return {
      files: Object.fromEntries(listing.files_and_folders.map((item) => [item.name, item.size_in_bytes])),
      uploads: listing.uploads.map((upload) => upload.name).sort(),
    };
  }

  /** Holds the PUTs to storage that `decide` says to hold (their routes are handed over), lets the rest through. */
  async function routePuts(decide: (route: Route) => Promise<boolean>): Promise<void> {
    await page.route('**/*', async (route) => {
      if (route.request().method() !== 'PUT' || !(await decide(route))) await route.fallback();
    });
  }

  beforeAll(async () => {
    const port = await freePort();
    server = startServerProcess(
      { DATA_DIR: join(dataDir, 'data'), PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      'dist/apps/api/src/main.js',
    );
    const url = await server.url;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
    page = await context.newPage();
    watchPage(page, problems);
    await signUp(page, alice);
    const session = await page.evaluate(() => sessionStorage.getItem('clouddrive.session'));
    const { token } = JSON.parse(session!) as { token: string };
    api = createCloudDriveClient({ baseUrl: url, token: () => token });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    expect(problems).toEqual([]);
  });

  it('shows an upload started elsewhere as "Uploading…" (not as a file); cancelled, its name is free at once', async () => {
    // Requested through the SDK, no bytes ever sent: as a closed tab or another device leaves it.
    await unwrap(api.POST('/file', { body: { file_name: 'elsewhere.txt', file_size_in_bytes: 12 } }));
    await page.reload();
    const entry = unfinished().getByRole('listitem').filter({ hasText: 'elsewhere.txt' });
    await entry.getByText('Uploading…').waitFor();
    expect(await row(page, 'elsewhere.txt').count()).toBe(0);
    await screenshot(page, 'uploads-01-unfinished');
    expect(await seriousViolations(page)).toEqual([]);

    await entry.getByRole('button', { name: 'Cancel elsewhere.txt' }).click();
    await unfinished().waitFor({ state: 'detached' });
    expect(await root()).toEqual({ files: {}, uploads: [] });

    // The name is free: the same name uploads from this tab without a question, shown once (in the panel).
    await page.getByLabel('Files to upload').setInputFiles(file('', 'elsewhere.txt', 'hello there\n'));
    await panel().getByText('1 of 1 uploaded').waitFor();
    await row(page, 'elsewhere.txt').waitFor();
    expect(await conflictDialog().count()).toBe(0);
    expect(await unfinished().count()).toBe(0);
    await panel().getByRole('button', { name: 'Close uploads' }).click();
  });

  it('cancels an upload in flight: the file is not created and its name is free', async () => {
    // The bytes are held on their way to storage: the upload stays in flight until it is cancelled.
    let held = false;
    await routePuts(async () => (held = true));
    await page.getByLabel('Files to upload').setInputFiles(file('', 'big.bin', Buffer.alloc(20 * 1024 * 1024, 1)));
    await task('big.bin').getByText('Uploading').waitFor();
    expect(held).toBe(true);
    // The listing, loaded again meanwhile, has it among its uploads: shown once, in the panel.
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByRole('dialog', { name: 'New folder' }).getByRole('textbox', { name: 'Folder name' }).fill('Inbox');
    await page.getByRole('dialog', { name: 'New folder' }).getByRole('button', { name: 'Create' }).click();
    await row(page, 'Inbox').waitFor();
    expect((await root()).uploads).toEqual(['big.bin']);
    expect(await unfinished().count()).toBe(0);
    await task('big.bin').getByRole('button', { name: 'Cancel big.bin' }).click();
    await task('big.bin').getByText('Cancelled').waitFor();
    // Its pending upload is deleted as it is cancelled (else it would hold the name for minutes).
    for (;;) {
      const { uploads } = await root();
      if (!uploads.includes('big.bin')) break;
      await page.waitForTimeout(100);
    }
    await page.reload();
    expect(await root()).toEqual({ files: { Inbox: null, 'elsewhere.txt': 12 }, uploads: [] });
    expect(await row(page, 'big.bin').count()).toBe(0);
    expect(await unfinished().count()).toBe(0);
  });

  it('retries a failed upload', async () => {
    let failures = 0;
    await routePuts(async (route) => {
      if (failures > 0) return false;
      failures++;
      await route.abort('connectionreset');
      return true;
    });
    await page.getByLabel('Files to upload').setInputFiles(file('', 'retried.txt', 'second time lucky\n'));
    await task('retried.txt').getByText('Failed', { exact: true }).waitFor();
    await task('retried.txt').getByRole('alert').getByText('The connection to storage failed.').waitFor();
    await screenshot(page, 'uploads-02-failed');
    await task('retried.txt').getByRole('button', { name: 'Retry retried.txt' }).click();
    await panel().getByText('1 of 1 uploaded').waitFor();
    await row(page, 'retried.txt').waitFor();
    expect(failures).toBe(1);
    expect((await root()).files['retried.txt']).toBe(18);
    await panel().getByRole('button', { name: 'Close uploads' }).click();
  });

  describe('a batch whose names are taken asks once', () => {
    const older = ['a.txt', 'b.txt'].map((name) => file('older', name, 'old\n'));
    const newer = ['a.txt', 'b.txt'].map((name) => file('newer', name, 'newer bytes\n'));
    const fresh = file('newer', 'c.txt', 'c\n');

    /** Uploads the batch, answers the one question with `choice`, and waits for the batch to end. */
    async function uploadAnswering(batch: string[], choice: 'Keep both' | 'Replace' | 'Skip'): Promise<void> {
      await page.getByLabel('Files to upload').setInputFiles(batch);
      await conflictDialog().getByText('2 files have names already taken here, such as “a.txt”.').waitFor();
      await conflictDialog().getByRole('button', { name: choice }).click();
      await panel()
        .getByText(/^\d+ of \d+ uploaded$/)
        .waitFor();
      expect(await conflictDialog().count()).toBe(0);
    }

    beforeAll(async () => {
      await page.getByLabel('Files to upload').setInputFiles(older);
      await panel().getByText('2 of 2 uploaded').waitFor();
      await panel().getByRole('button', { name: 'Close uploads' }).click();
    });

    it('"Keep both" uploads them under free names beside the old ones', async () => {
      await uploadAnswering(newer, 'Keep both');
      await row(page, 'b(1).txt').waitFor();
      expect((await root()).files).toMatchObject({ 'a.txt': 4, 'b.txt': 4, 'a(1).txt': 12, 'b(1).txt': 12 });
      await panel().getByRole('button', { name: 'Close uploads' }).click();
    });

    it('"Replace" sends the new bytes to the files of those names', async () => {
      await uploadAnswering(newer, 'Replace');
      for (;;) {
        const { files: now } = await root();
        if (now['a.txt'] === 12 && now['b.txt'] === 12) break;
        await page.waitForTimeout(100);
      }
      // Replaced, not added beside.
      expect(
        Object.keys((await root()).files)
          .filter((name) => /^[ab]\b/.test(name))
          .sort(),
      ).toEqual(['a(1).txt', 'a.txt', 'b(1).txt', 'b.txt']);
      await panel().getByRole('button', { name: 'Close uploads' }).click();
    });

    it('keeps what "Replace" replaced as a version: listed, restored, deleted from the Versions dialog', async () => {
      await row(page, 'a.txt').getByRole('button', { name: 'Versions' }).click();
      const dialog = page.getByRole('dialog', { name: 'Versions of a.txt' });
      const versions = dialog.getByRole('list', { name: 'Earlier versions' }).getByRole('listitem');
      await dialog.getByText(/^Current: 12 B/).waitFor();
      expect(await versions.count()).toBe(1);
      await expect(versions.first().textContent()).resolves.toContain('4 B');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'uploads-03-versions');

      // Restored, the old bytes are the file's again, and the newer ones a version.
      await versions.first().getByRole('button', { name: 'Restore' }).click();
      await dialog.getByText(/^Current: 4 B/).waitFor();
      await expect(versions.first().textContent()).resolves.toContain('12 B');
      expect((await root()).files['a.txt']).toBe(4);

      await versions
        .first()
        .getByRole('button', { name: /^Delete the version of / })
        .click();
      await dialog.getByText('No earlier versions.').waitFor();
      const listing = await unwrap(api.GET('/drive', { params: { query: { limit: 1000 } } }));
      const fileId = listing.files_and_folders.find((item) => item.name === 'a.txt')!.id;
      const versionsLeft = await unwrap(api.GET('/file/{file_id}/versions', { params: { path: { file_id: fileId } } }));
      expect(versionsLeft.versions).toEqual([]);
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    it('"Skip" leaves them, and uploads the rest of the batch', async () => {
      const before = (await root()).files;
      await page.getByLabel('Files to upload').setInputFiles([...older, fresh]);
      await conflictDialog().getByRole('button', { name: 'Skip' }).click();
      await panel().getByText('1 of 1 uploaded').waitFor();
      expect(await task('a.txt').getByText('Skipped').count()).toBe(1);
      expect(await task('b.txt').getByText('Skipped').count()).toBe(1);
      await row(page, 'c.txt').waitFor();
      expect((await root()).files).toEqual({ ...before, 'c.txt': 2 });
    });
  });
});
