// Sign-in form, failed sign-in, therapist dashboard and sign-out.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import {
  DEMO_ACCOUNTS,
  EMAIL_LABEL,
  PASSWORD_LABEL,
  expectCommonChrome,
  mainLandmark,
  signIn,
} from './helpers.js';

test('sign-in form is labelled and accessible', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  const main = mainLandmark(page);
  await expect(main.getByLabel(EMAIL_LABEL)).toBeVisible();
  const password = main.getByLabel(PASSWORD_LABEL);
  await expect(password).toBeVisible();
  await expect(password).toHaveAttribute('type', 'password');
  await expect(main.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);
});

test('wrong password shows an error and keeps the email', async ({ page }) => {
  await page.goto('/login');
  const main = mainLandmark(page);
  await main.getByLabel(EMAIL_LABEL).fill(DEMO_ACCOUNTS.therapist);
  await main.getByLabel(PASSWORD_LABEL).fill('not-the-password');
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
    { timeout: 30_000 },
  );
  await main.getByRole('button', { name: 'Sign in', exact: true }).click();
  await posted;

  // Still (or again) the sign-in page, now with the error message.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await expect(main.getByText('Email address or password is incorrect.')).toBeVisible();
  await expect(page).not.toHaveURL(/\/dashboard$/);
  await expect(main.getByLabel(EMAIL_LABEL)).toHaveValue(DEMO_ACCOUNTS.therapist);
  await expectNoA11yViolations(page);
});

test('therapist signs in, sees appointments, signs out', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.therapist);

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Today');
  const upcoming = page.getByRole('heading', { level: 2, name: 'Upcoming appointments', exact: true });
  await expect(upcoming).toBeVisible();
  const table = upcoming.locator('xpath=following::table[1]');
  await expect(table).toHaveRole('table');
  const bodyRows = table.getByRole('row').filter({ has: page.getByRole('cell') });
  expect(await bodyRows.count(), 'appointment rows in the table').toBeGreaterThanOrEqual(1);
  await expectNoA11yViolations(page);
  await expectCommonChrome(page);

  await page.getByRole('banner').getByRole('button', { name: /^Sign out\b/ }).click();
  await expect(page).not.toHaveURL(/\/dashboard(#.*)?$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login(\?.*)?$/);
});
