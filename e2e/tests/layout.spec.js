// Things every page has: language, demo banner, main navigation, a working
// skip link, and no axe violations.

import { test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { expectCommonChrome } from './helpers.js';

const PAGES = ['/', '/how-it-works', '/privacy', '/self-check', '/therapists', '/login', '/no-such-page'];

for (const path of PAGES) {
  test(`common layout and accessibility: ${path}`, async ({ page }) => {
    await page.goto(path);
    await expectCommonChrome(page);
    await expectNoA11yViolations(page);
  });
}
