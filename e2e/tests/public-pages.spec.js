// Content of the public pages, navigation and the 404 page.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark } from './helpers.js';

test('home page explains talk therapy', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Talk therapy for sexual concerns');
  const main = mainLandmark(page);
  await expect(main).toContainText(/no sexual contact/i);
  await expect(main.locator('a[href="/how-it-works"]').first()).toBeVisible();
});

test('how it works page', async ({ page }) => {
  const response = await page.goto('/how-it-works');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How sex therapy works');
  const main = mainLandmark(page);
  await expect(main).toContainText(/homework/i);
  await expect(main).toContainText(/telehealth/i);
});

test('privacy page', async ({ page }) => {
  const response = await page.goto('/privacy');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Privacy');
  await expect(mainLandmark(page)).toContainText(/cookie/i);
});

test('main navigation marks the current page', async ({ page }) => {
  await page.goto('/');
  const nav = page.getByRole('navigation', { name: 'Main', exact: true });
  await nav.getByRole('link', { name: 'How it works', exact: true }).click();
  await expect(page).toHaveURL(/\/how-it-works$/);
  await expect(nav.getByRole('link', { name: 'How it works', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
});

test('unknown URL gives an accessible 404 page', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await expect(page.locator('a[href="/"]').first()).toBeVisible();
  await expectNoA11yViolations(page);
});
