// Things every page has: language, demo banner, main navigation, a working
// skip link, and no axe violations.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { expectCommonChrome } from './helpers.js';

const PAGES = ['/', '/how-it-works', '/privacy', '/self-check', '/therapists', '/login', '/design', '/no-such-page'];

for (const path of PAGES) {
  test(`common layout and accessibility: ${path}`, async ({ page }) => {
    await page.goto(path);
    await expectCommonChrome(page);
    await expectNoA11yViolations(page);
  });
}

// The living design system: every component, at a phone's width and a desktop's.
for (const [width, height] of [[390, 844], [1280, 900]]) {
  test(`the design system page renders every component at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await page.goto('/design');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Design system');
    for (const section of ['Type and colour', 'Buttons and links', 'Notices, callouts and badges', 'Cards and figures', 'Tables', 'Forms', 'Disclosures']) {
      await expect(page.getByRole('heading', { level: 2, name: section, exact: true })).toBeVisible();
    }
    // Nothing runs off a phone's screen: the table stacks into cards.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    const head = page.locator('table.stack-on-phone thead');
    const firstCell = page.getByRole('table').locator('td').first();
    if (width < 640) {
      // The column names move into each cell's label.
      await expect(head).toHaveCSS('position', 'absolute');
      expect(await firstCell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"When"');
    } else {
      await expect(page.getByRole('columnheader', { name: 'When' })).toBeVisible();
    }
    // Buttons are targets of at least 44 px.
    const primary = await page.getByRole('button', { name: 'Primary action', exact: true }).boundingBox();
    expect(primary.height).toBeGreaterThanOrEqual(44);
    await expectNoA11yViolations(page);
    // Kept as an artifact of the run, to look at how the components read.
    const shot = testInfo.outputPath(`design-${width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach(`design-${width}`, { path: shot, contentType: 'image/png' });
  });
}
