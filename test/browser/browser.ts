import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

export const ARTEFACTS = join(__dirname, '..', '..', 'test-results', 'browser');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, on a fresh profile (playwright-core makes one per launch); never a download. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Fails the test on any page error or CSP violation the page reports. */
export function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (evaluated, so the CSP stays strict). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  // Typed without the DOM library: bench/web.ts, compiled for Node, uses these helpers too.
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run: (context: unknown) => Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    return (await axe.run(document)).violations;
  });
  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: false });
}

export interface Person {
  username: string;
  email: string;
  password: string;
}

/** Signs up through the app's form; resolves once the drive shows. */
export async function signUp(target: Page, user: Person): Promise<void> {
  await target.goto('/signup');
  await target.getByRole('textbox', { name: 'Username' }).fill(user.username);
  await target.getByRole('textbox', { name: 'Email' }).fill(user.email);
  await target.getByLabel('Password').fill(user.password);
  await target.getByRole('button', { name: 'Sign up' }).click();
  await target.getByRole('navigation', { name: 'Breadcrumb' }).waitFor();
}

/** The listing's row of the item of that name. */
export const row = (target: Page, name: string) =>
  target.getByRole('row', { name: new RegExp(`^${name.replace(/[.()]/g, '\\$&')}\\b`) });

/** Shares the item of that name through its row's Share dialog; resolves with the dialog, once it lists the person. */
export async function share(
  target: Page,
  name: string,
  username: string,
  permission: 'Viewer' | 'Editor',
): Promise<Locator> {
  await row(target, name).getByRole('button', { name: 'Share' }).click();
  const dialog = target.getByRole('dialog', { name: `Share ${name}` });
  await dialog.getByRole('textbox', { name: 'Username' }).fill(username);
  await dialog.getByRole('combobox', { name: 'Permission' }).selectOption({ label: permission });
  await dialog.getByRole('button', { name: 'Share' }).click();
  await dialog.getByText(username, { exact: true }).waitFor();
  return dialog;
}
