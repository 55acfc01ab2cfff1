// Role-specific dashboards for the practice owner and for a client.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, countItemsAfter, expectCommonChrome, signIn } from './helpers.js';

test('practice owner sees the practice overview and therapists', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.owner);

  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Practice overview', exact: true })).toBeVisible();
  const therapists = page.getByRole('heading', { level: 2, name: 'Therapists', exact: true });
  await expect(therapists).toBeVisible();
  expect(await countItemsAfter(therapists), 'therapists listed').toBeGreaterThanOrEqual(3);
  await expectNoA11yViolations(page);
  await expectCommonChrome(page);
});

test('client sees their upcoming appointments', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.client);

  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const upcoming = page.getByRole('heading', { level: 2, name: 'Your upcoming appointments', exact: true });
  await expect(upcoming).toBeVisible();
  expect(await countItemsAfter(upcoming), 'upcoming appointments listed').toBeGreaterThanOrEqual(1);
  await expectNoA11yViolations(page);
  await expectCommonChrome(page);
});
