// Browser tests (tests/e2e, tests/interop): Debian's Chromium driven by playwright-core, a
// console context that records page errors, the sign-in on a Keycloak-style login form (Keycloak's
// own or the OIDC peer's), axe-core and screenshots. Its own entry point,
// `@cleargate/testing/browser`, so that tests without a browser do not load playwright-core.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { samePicture } from './pictures';
import { ROOT } from './processes';

/** Debian's Chromium (`.ci/run` installs the package); playwright-core drives it, no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (bash .ci/run does)`);
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

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * A browser context on the console that records what a user would not see but should never
 * happen: errors in the console's own pages' console and uncaught exceptions.
 */
export async function consoleContext(
  browser: Browser,
  consoleUrl: string,
  options: {
    viewport?: { width: number; height: number };
    /** The browser's clock under the test's control (page.clock). */
    clock?: boolean;
    /** Date.now() and new Date() at this time, timers running as usual (a picture with fixed times). */
    fixedTime?: Date;
    /** prefers-reduced-motion: the charts drawn at once rather than animated. */
    reducedMotion?: boolean;
  } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const origin = new URL(consoleUrl).origin;
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    timezoneId: 'Europe/Rome',
    locale: 'en-GB',
    ...(options.reducedMotion ? { reducedMotion: 'reduce' as const } : {}),
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  if (options.clock) await page.clock.install();
  if (options.fixedTime) await page.clock.setFixedTime(options.fixedTime);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && page.url().startsWith(origin)) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
  return { context, page, errors };
}

/** Signs in through the realm's login page, as a person would, and waits to be back in the console. */
export async function signIn(page: Page, consoleUrl: string, username: string, password = username): Promise<void> {
  if (!page.url().startsWith('http')) await page.goto(consoleUrl);
  await page.waitForSelector('#kc-form-login', { timeout: 20_000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(consoleUrl.replace(/\/$/, '')), { timeout: 20_000 }),
    page.click('#kc-login'),
  ]);
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core run inside the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern, rather than as a script tag it would refuse): the serious and critical
 * violations of WCAG 2.1 A/AA and axe's best practices.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Colours are checked as the page shows them at rest: a button between its disabled and its
  // enabled colour (MUI's transitions) would read as too little contrast.
  await page.waitForFunction(() => {
    // A function, not text: the console's CSP refuses eval. No DOM types here (compiled for Node).
    type Animation = { playState: string; effect?: { getTiming(): { iterations?: number } } | null };
    const doc = (globalThis as unknown as { document: { getAnimations(): Animation[] } }).document;
    return doc.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity);
  });
  await page.evaluate(AXE);
  // Run in the page; given as text, this file being compiled for Node (no DOM types).
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations)`,
  )) as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/**
 * The README's pictures, taken by the run so that they show the console as it is. The same
 * screen must give the same file: nothing moving is pictured (no pointer over the page, CSS
 * animations finished, no caret, nothing loading), and the picture is the page once two
 * captures in a row are the same. A file already there that shows the same picture (see
 * samePicture: Chromium may draw an antialiased edge a shade apart from one run to the next) is
 * left as it is, so that a run rewrites a picture only when the console's look changed.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize()!;
  await page.mouse.move(size.width - 2, size.height - 2);
  await page
    .locator('.MuiTooltip-popper')
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
  await page.waitForLoadState('networkidle');
  await page.locator('.RaLoadingIndicator-loader').waitFor({ state: 'detached', timeout: 10_000 });
  const capture = () => page.screenshot({ fullPage: options.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  let previous = await capture();
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const current = await capture();
    if (current.equals(previous)) {
      const file = join(SCREENSHOTS, `${name}.png`);
      if (!existsSync(file) || !samePicture(readFileSync(file), current)) writeFileSync(file, current);
      return;
    }
    if (attempt >= 20) throw new Error(`the page kept changing: no steady picture for ${name}.png`);
    previous = current;
  }
}
