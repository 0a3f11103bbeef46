import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { newUserBody } from '@app/testing';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { unzip } from '../support/zip';
import { freePort } from '@app/testing';
import { launchChromium, row, screenshot, seriousViolations, share, signUp, watchPage } from './browser';

const HUES = [210, 340, 130, 35, 265, 180, 10, 95];

/** A colourful JPEG (a diagonal gradient), so thumbnails are easy to tell apart. */
function gradientJpeg(hue: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},80%,65%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,35%)"/></linearGradient></defs><rect width="640" height="480" fill="url(#g)"/><circle cx="470" cy="150" r="70" fill="rgba(255,255,255,0.55)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/**
 * Two people use the app in Chromium against the built API and web app, started as `npm start` runs them
 * (embedded mode, a temporary DATA_DIR, a free port).
 */
describe('the web app in a browser', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-browser-'));
  const uploadDir = join(dataDir, 'to-upload', 'Holiday');
  const alice = newUserBody();
  const bob = newUserBody();
  const problems: string[] = [];
  let server: ServerProcess;
  let url: string;
  let browser: Browser;
  let contexts: BrowserContext[] = [];
  let page: Page;
  let bobPage: Page;

  beforeAll(async () => {
    mkdirSync(uploadDir, { recursive: true });
    for (let index = 0; index < 20; index++) {
      if (index < 8) writeFileSync(join(uploadDir, `photo-${index + 1}.jpg`), await gradientJpeg(HUES[index]));
      else
        writeFileSync(join(uploadDir, `report-${index - 7}.txt`), `Report number ${index - 7}\n`.repeat(200 * index));
    }
    const port = await freePort();
    server = startServerProcess(
      { DATA_DIR: join(dataDir, 'data'), PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      'dist/apps/api/src/main.js',
    );
    url = await server.url;
    browser = await launchChromium();
    const open = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
      contexts.push(context);
      const opened = await context.newPage();
      watchPage(opened, problems);
      opened.on('dialog', (dialog) => void dialog.accept());
      return opened;
    };
    page = await open();
    bobPage = await open();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    contexts = [];
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  async function expectAccessible(target: Page, name: string): Promise<void> {
    // Colours are judged once the page is still: a button fading in has, for a moment, too little contrast
    // (endless animations, such as a spinner's, are not waited for).
    await target.waitForFunction(() =>
      document
        .getAnimations()
        .every(
          (animation) => animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity,
        ),
    );
    await screenshot(target, name);
    expect([name, await seriousViolations(target)]).toEqual([name, []]);
  }

  it('signs up, and the sign-up and empty drive screens are accessible', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await expectAccessible(page, '01-log-in');
    await signUp(page, alice);
    await page.getByText('This folder is empty').waitFor();
    await expectAccessible(page, '02-empty-drive');
  });

  it('uploads a folder of 20 files: every progress bar reaches 100 %, and the thumbnails appear', async () => {
    await page.getByLabel('Folder to upload').setInputFiles(uploadDir);
    const uploadsPanel = page.getByRole('region', { name: 'Uploads' });
    await uploadsPanel.getByText('20 of 20 uploaded').waitFor({ timeout: 60000 });
    const bars = uploadsPanel.getByRole('progressbar', { name: /^Upload of Holiday\// });
    expect(await bars.count()).toBe(20);
    for (const value of await bars.evaluateAll((all) => all.map((bar) => bar.getAttribute('aria-valuenow')))) {
      expect(value).toBe('100');
    }
    await expect(
      uploadsPanel.getByRole('progressbar', { name: 'All uploads' }).getAttribute('aria-valuenow'),
    ).resolves.toBe('100');
    await screenshot(page, '03-uploads');
    await uploadsPanel.getByRole('button', { name: 'Close uploads' }).click();

    await row(page, 'Holiday').getByRole('link', { name: 'Holiday' }).click();
    await page.getByRole('button', { name: 'Grid view' }).click();
    const grid = page.getByRole('grid', { name: 'Files' });
    await grid.getByRole('row').nth(19).waitFor({ timeout: 30000 });
    // The previews are made after the upload: each appears without a reload.
    await page.waitForFunction(() => document.querySelectorAll('[role=grid] img').length === 8, undefined, {
      timeout: 60000,
    });
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('[role=grid] img')).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    await expectAccessible(page, '04-grid-thumbnails');
    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'screenshot.png') });
    await page.getByRole('button', { name: 'List view' }).click();
    await expectAccessible(page, '05-list');
  });

  it('renames a file, and moves one by drag and drop onto a breadcrumb and onto a folder', async () => {
    await row(page, 'report-1.txt').getByRole('button', { name: 'Rename' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename report-1.txt' });
    // As a person types: the dialog opens with the name's stem selected, so typing keeps the extension.
    await page.keyboard.type('meeting');
    expect(await dialog.getByRole('textbox', { name: 'New name' }).inputValue()).toBe('meeting.txt');
    await expectAccessible(page, '06-rename-dialog');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await row(page, 'meeting.txt').waitFor();

    // Onto the breadcrumb: to the root.
    await row(page, 'photo-1.jpg').dragTo(
      page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'My files' }),
    );
    await row(page, 'photo-1.jpg').waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'My files' }).click();
    await row(page, 'photo-1.jpg').waitFor();

    // Onto a folder: back into Holiday.
    await row(page, 'photo-1.jpg').dragTo(row(page, 'Holiday'));
    await row(page, 'photo-1.jpg').waitFor({ state: 'detached' });

    // The folder as one zip, everything in it as it is now.
    const [zip] = await Promise.all([
      page.waitForEvent('download'),
      row(page, 'Holiday').getByRole('button', { name: 'Download as zip' }).click(),
    ]);
    expect(zip.suggestedFilename()).toBe('Holiday.zip');
    const entries = await unzip(readFileSync((await zip.path())!));
    const renamed = (name: string) => (name === 'report-1.txt' ? 'meeting.txt' : name);
    expect([...entries.keys()].sort()).toEqual(readdirSync(uploadDir).map(renamed).sort());
    for (const name of readdirSync(uploadDir))
      expect(entries.get(renamed(name))).toEqual(readFileSync(join(uploadDir, name)));
    await row(page, 'Holiday').getByRole('link', { name: 'Holiday' }).click();
    await row(page, 'photo-1.jpg').waitFor();
  });

  it('shares a file with a second person, who sees and downloads it; revoked, it is gone for them', async () => {
    await signUp(bobPage, bob);
    const dialog = await share(page, 'photo-2.jpg', bob.username, 'Viewer');
    await expectAccessible(page, '07-share-dialog');

    await bobPage.getByRole('link', { name: 'Shared with me' }).click();
    await row(bobPage, 'photo-2.jpg').waitFor();
    await expectAccessible(bobPage, '08-shared-with-me');
    const [download] = await Promise.all([
      bobPage.waitForEvent('download'),
      row(bobPage, 'photo-2.jpg').getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('photo-2.jpg');
    expect(readFileSync((await download.path())!)).toEqual(readFileSync(join(uploadDir, 'photo-2.jpg')));

    await dialog.getByRole('button', { name: `Revoke ${bob.username}` }).click();
    await dialog.getByText('Only you.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Bob's open page hears share_revoked: no reload.
    await bobPage.getByText('Nothing is shared with you yet.').waitFor();
  });

  it('deletes to the trash and restores', async () => {
    await row(page, 'meeting.txt').getByRole('button', { name: 'Delete' }).click();
    await row(page, 'meeting.txt').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Trash' }).click();
    await row(page, 'meeting.txt').waitFor();
    await expectAccessible(page, '09-trash');
    await row(page, 'meeting.txt').getByRole('button', { name: 'Restore' }).click();
    await page.getByText('The trash is empty.').waitFor();
    await page.getByRole('link', { name: 'My files' }).click();
    await row(page, 'Holiday').getByRole('link', { name: 'Holiday' }).click();
    await row(page, 'meeting.txt').waitFor();

    // Several at once: chosen by their checkboxes, moved into a new folder in one go, then deleted in one go.
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByRole('textbox', { name: 'Folder name' }).fill('Chosen');
    await page.getByRole('button', { name: 'Create' }).click();
    await row(page, 'Chosen').waitFor();
    await page.getByRole('checkbox', { name: 'Select photo-4.jpg' }).check();
    await page.getByRole('checkbox', { name: 'Select photo-5.jpg' }).check();
    const selected = page.getByRole('toolbar', { name: 'Selected items' });
    await selected.getByText('2 selected').waitFor();
    await selected.getByRole('button', { name: 'Move selected' }).click();
    const move = page.getByRole('dialog', { name: 'Move 2 items' });
    await move.getByRole('button', { name: 'Holiday' }).click();
    await move.getByRole('button', { name: 'Chosen' }).click();
    await move.getByRole('button', { name: 'Move', exact: true }).click();
    await row(page, 'photo-4.jpg').waitFor({ state: 'detached' });
    await row(page, 'photo-5.jpg').waitFor({ state: 'detached' });
    await row(page, 'Chosen').getByRole('link', { name: 'Chosen' }).click();
    await row(page, 'photo-5.jpg').waitFor();
    // A copy to the root of the drive, through the same dialog; the source stays where it is.
    await page.getByRole('checkbox', { name: 'Select photo-5.jpg' }).check();
    await page.getByRole('toolbar', { name: 'Selected items' }).getByRole('button', { name: 'Copy selected' }).click();
    const copyDialog = page.getByRole('dialog', { name: 'Copy photo-5.jpg' });
    await copyDialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await copyDialog.waitFor({ state: 'detached' });
    await row(page, 'photo-5.jpg').waitFor();
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page
      .getByRole('toolbar', { name: 'Selected items' })
      .getByRole('button', { name: 'Delete selected' })
      .click();
    await page.getByText('This folder is empty').waitFor();
    await page.getByRole('link', { name: 'Trash' }).click();
    await row(page, 'photo-4.jpg').waitFor();
    await row(page, 'photo-5.jpg').waitFor();
    await page.getByRole('link', { name: 'My files' }).click();
    // The copy outlived its source's deletion.
    await row(page, 'photo-5.jpg').waitFor();
    await row(page, 'Holiday').getByRole('link', { name: 'Holiday' }).click();
    await row(page, 'meeting.txt').waitFor();
  });

  it('finds a file from the header’s search box, in any case, shown with its folder, and opens that folder', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My files' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('MEETING');
    const hit = page.getByRole('list', { name: 'Search results' }).getByRole('link', { name: /meeting\.txt/ });
    await hit.waitFor();
    await expect(hit.textContent()).resolves.toContain('My files › Holiday');
    await expectAccessible(page, '09b-search');
    await hit.click();
    await row(page, 'meeting.txt').waitFor();
    await expect(page.getByRole('searchbox', { name: 'Search' }).inputValue()).resolves.toBe('');
  });

  it('sets a profile photo, shown in the header, and logs out', async () => {
    await page.getByRole('link', { name: alice.username }).click();
    await page.getByRole('button', { name: 'Profile photo' }).waitFor();
    await page.getByLabel('Photo file').setInputFiles(join(uploadDir, 'photo-3.jpg'));
    await page.locator('header [data-testid=avatar-photo]').waitFor({ timeout: 30000 });
    await expectAccessible(page, '10-account');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.goto('/bin');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('textbox', { name: 'Username' }).fill(alice.username);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Breadcrumb' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectAccessible(page, '11-phone');
  });
});
