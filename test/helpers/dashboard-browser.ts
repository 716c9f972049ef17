/** Chromium for the dashboard tests (headless, no network of its own), one page at 1400 × 1000 that logs page errors. */
import { chromium, type Browser, type Page } from 'playwright-core';

/** Launches Chromium at `executablePath` and opens one page. */
export async function openDashboardBrowser(executablePath: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return { browser, page };
}
