// The public directory: a visitor filters by concern, video sessions in
// their state and insurance, sees why a therapist matches, opens the
// profile. Keyboard only for the form; axe-core on both pages.
import { test, expect } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark } from './helpers.js';

test('a visitor finds a licensed therapist who fits and opens the profile', async ({ page }) => {
  await page.goto('/therapists');
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { level: 1, name: 'Find a sex therapist' })).toBeVisible();
  await expectNoA11yViolations(page);

  await main.getByLabel('What would you like help with?').selectOption('vaginismus');
  await main.getByLabel('By video (telehealth)').check();
  await main.getByLabel('Your state').selectOption('NY');
  await main.getByLabel('Insurance', { exact: true }).selectOption('aetna');
  // Submit from the keyboard: Enter in a text field submits the form.
  await main.getByLabel(/^Near/).focus();
  await page.keyboard.press('Enter');

  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  await expect(main.locator('p.why')).toContainText('In network with Aetna');
  await expect(main.locator('p.why')).toContainText('Telehealth, licensed in NY');
  await expectNoA11yViolations(page);

  await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
  await expect(main.getByRole('heading', { level: 1 })).toContainText('Dr. Elena Rivera');
  await expect(main.getByText(/licence verified on/)).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: 'Book a trial session' })).toBeVisible();
  await expectNoA11yViolations(page);
});

test('a filter that cannot be used is explained and the rest still search', async ({ page }) => {
  await page.goto('/therapists?near=00000&state=NY&format=telehealth');
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeVisible();
  await expectNoA11yViolations(page);
});
