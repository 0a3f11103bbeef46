import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, ElementHandle, Page, Request, Route } from 'playwright-core';
import sharp from 'sharp';
import { createCloudDriveClient, type CloudDriveClient, unwrap } from '@app/sdk';
import { freePort, newUserBody } from '@app/testing';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { launchChromium, row, share, signUp, watchPage } from './browser';

/** The event stream's request: a ticket and a cursor in its URL, never the token. */
const isStream = (request: Request) => new URL(request.url()).pathname === '/events';

/**
 * The web app stays live (GET /events): two people in two browser contexts, Alice sharing a folder with Bob as an
 * editor. What one does appears on the other's open page, and Alice's previews and confirmations arrive, without a
 * reload and without polling. Streams end every 10 s here (EVENTS_STREAM_MAX_SECONDS), so every step also crosses
 * reconnections with a new ticket and the last cursor.
 */
describe('the web app hears changes live', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clouddrive-browser-live-'));
  const alice = newUserBody();
  const bob = newUserBody();
  const problems: string[] = [];
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alicePage: Page;
  let bobPage: Page;
  let aliceApi: CloudDriveClient;
  let aliceToken: string;
  let bobToken: string;
  /** Requests to /image-preview/… Alice's page made: asked again only when the feed says something. */
  let previewAsks = 0;
  let teamId: string;

  async function open(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: await server.url });
    contexts.push(context);
    const page = await context.newPage();
    watchPage(page, problems);
    return page;
  }

  /** Signs up through the form; resolves with the token once the page's first event stream is open. */
  async function signUpLive(page: Page, person: typeof alice): Promise<string> {
    const streamOpen = page.waitForResponse((response) => isStream(response.request()) && response.ok());
    await signUp(page, person);
    const stream = await streamOpen;
    expect(stream.headers()['content-type']).toMatch(/^text\/event-stream/);
    const session = await page.evaluate(() => sessionStorage.getItem('clouddrive.session'));
    return (JSON.parse(session!) as { token: string }).token;
  }

  /** Marks the page: the mark is gone if the page reloads or navigates away from the app. */
  const mark = (page: Page) => page.evaluate(() => ((window as unknown as { mark: string }).mark = 'same page'));
  const marked = (page: Page) => page.evaluate(() => (window as unknown as { mark?: string }).mark);

  beforeAll(async () => {
    const port = await freePort();
    server = startServerProcess(
      {
        DATA_DIR: join(dataDir, 'data'),
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        EVENTS_STREAM_MAX_SECONDS: '10',
      },
      'dist/apps/api/src/main.js',
    );
    const url = await server.url;
    browser = await launchChromium();
    alicePage = await open();
    bobPage = await open();
    alicePage.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/image-preview/')) previewAsks++;
    });
    aliceToken = await signUpLive(alicePage, alice);
    bobToken = await signUpLive(bobPage, bob);
    aliceApi = createCloudDriveClient({ baseUrl: url, token: () => aliceToken });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  it('a folder Alice makes elsewhere appears on her open page; shared with Bob, it appears in his "Shared with me"', async () => {
    await mark(alicePage);
    // Made through the API (as another device would): Alice's open page hears item_created.
    teamId = (await unwrap(aliceApi.POST('/drive', { body: { folder_name: 'Team' } }))).id;
    await row(alicePage, 'Team').waitFor();

    await bobPage.getByRole('link', { name: 'Shared with me' }).click();
    await bobPage.getByText('Nothing is shared with you yet.').waitFor();
    await mark(bobPage);

    const dialog = await share(alicePage, 'Team', bob.username, 'Editor');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // share_added: Bob's page fetches "Shared with me" again by itself.
    await row(bobPage, 'Team').waitFor();
    expect(await marked(bobPage)).toBe('same page');
    expect(await marked(alicePage)).toBe('same page');
  });

  it("Alice uploads into the shared folder: Bob's open page shows the file, and Alice's preview appears", async () => {
    await row(bobPage, 'Team').getByRole('link', { name: 'Team' }).click();
    await bobPage.getByText('This folder is empty').waitFor();
    await row(alicePage, 'Team').getByRole('link', { name: 'Team' }).click();
    await alicePage.getByText('This folder is empty').waitFor();
    await mark(alicePage);
    await mark(bobPage);

    const photo = join(dataDir, 'sunset.jpg');
    writeFileSync(
      photo,
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#e8743b' } })
        .jpeg()
        .toBuffer(),
    );
    previewAsks = 0;
    await alicePage.getByLabel('Files to upload').setInputFiles(photo);
    // "Uploaded" only once upload_confirmed was heard: the file is then in Alice's listing too.
    const panel = alicePage.getByRole('region', { name: 'Uploads' });
    await panel.getByText('1 of 1 uploaded').waitFor();
    await row(alicePage, 'sunset.jpg').waitFor();
    await row(bobPage, 'sunset.jpg').waitFor();

    // preview_ready: the thumbnail shows on both pages (the listing's refresh, or the thumbnail's own news).
    for (const page of [alicePage, bobPage]) {
      const thumbnail = (await row(page, 'sunset.jpg')
        .locator('img')
        .elementHandle()) as ElementHandle<HTMLImageElement>;
      await page.waitForFunction((image) => image.complete && image.naturalWidth > 0, thumbnail);
    }
    // Asked for when shown and when the feed told of it: a handful, not a poll's steady count.
    expect(previewAsks).toBeLessThanOrEqual(4);
    expect(await marked(alicePage)).toBe('same page');
    expect(await marked(bobPage)).toBe('same page');
  });

  it("a change made while Bob's stream is down reaches him when it is opened again from his last cursor", async () => {
    // Bob's stream ends (EVENTS_STREAM_MAX_SECONDS); what he asks to open the next one (a ticket, and the feed's
    // latest cursor if he asked for it, which he must not: it would skip the rename) is held while Alice renames.
    const held: Route[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ticketAsked = new Promise<void>((resolve) => {
      void bobPage.route(
        (url) => url.pathname === '/events/tickets' || url.pathname === '/changes',
        async (route) => {
          held.push(route);
          if (route.request().url().includes('/events/tickets')) resolve();
          await gate;
          await route.continue();
        },
      );
    });
    await ticketAsked;
    const team = await unwrap(aliceApi.GET('/drive/{folder_id}', { params: { path: { folder_id: teamId } } }));
    const file = team.files_and_folders.find((item) => item.name === 'sunset.jpg')!;
    await unwrap(
      aliceApi.PATCH('/file/{file_id}', { params: { path: { file_id: file.id } }, body: { file_name: 'dusk.jpg' } }),
    );

    const reopened = bobPage.waitForRequest(isStream);
    release();
    const stream = new URL((await reopened).url());
    expect([...stream.searchParams.keys()].sort()).toEqual(['cursor', 'ticket']);
    expect(stream.searchParams.get('cursor')).toMatch(/^\d+$/);
    expect(stream.href).not.toContain(bobToken);
    await row(bobPage, 'dusk.jpg').waitFor();
    expect(await row(bobPage, 'sunset.jpg').count()).toBe(0);
    expect(held.map((route) => new URL(route.request().url()).pathname)).toEqual(['/events/tickets']);
    expect(await marked(bobPage)).toBe('same page');
    await bobPage.unrouteAll({ behavior: 'ignoreErrors' });
  });

  it('logging out closes the stream', async () => {
    const stream = await bobPage.waitForResponse((response) => isStream(response.request()));
    const closed = bobPage.waitForEvent('requestfailed', (request) => request === stream.request());
    await bobPage.getByRole('button', { name: 'Log out' }).click();
    await bobPage.getByRole('button', { name: 'Log in' }).waitFor();
    await closed;
  });
});
