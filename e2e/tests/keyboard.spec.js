// Keyboard only: the therapist search and the self-check with Tab, Enter
// and Space (and, inside a radio group or a list box, the arrow keys and
// type-ahead, which is how those controls are operated), with the focus
// visible at every step.
import { test, expect } from '@playwright/test';
import { expectFocusVisible, mainLandmark, tabTo } from './helpers.js';

test('the search works from the keyboard alone', async ({ page }) => {
  await page.goto('/therapists');
  const main = mainLandmark(page);

  const lgbtq = main.getByLabel('LGBTQ+ affirming');
  await tabTo(page, lgbtq);
  await page.keyboard.press('Space');
  await expect(lgbtq).toBeChecked();
  // The results update in place; the focus stays where it was.
  await expect(main.getByRole('heading', { level: 2, name: '2 therapists found' })).toBeVisible();
  await expect(lgbtq).toBeFocused();
  await expectFocusVisible(page);

  const search = main.getByRole('button', { name: 'Search', exact: true });
  await tabTo(page, search);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/lgbtq=true/);
  await expect(search).toBeFocused();

  const rivera = main.getByRole('link', { name: 'Dr. Elena Rivera' });
  await tabTo(page, rivera);
  await page.keyboard.press('Enter');
  await expect(main.getByRole('heading', { level: 1 })).toContainText('Dr. Elena Rivera');
});

test('result pages from the keyboard: focus moves to the new results', async ({ page }) => {
  await page.goto('/therapists?per_page=1');
  const main = mainLandmark(page);
  await tabTo(page, main.getByRole('link', { name: 'Next page' }));
  await page.keyboard.press('Enter');
  await expect(main.getByText('Page 2 of 3')).toBeVisible();
  const heading = main.getByRole('heading', { level: 2, name: '3 therapists found' });
  await expect(heading).toBeFocused();
  await expectFocusVisible(page);
  // The next Tab continues in the results.
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAttribute('href', /^\/therapists\/[0-9a-f-]+\?from=search$/);
  await expectFocusVisible(page);
});

test('the self-check works from the keyboard alone', async ({ page }) => {
  await page.goto('/self-check');
  const main = mainLandmark(page);

  const safe = main.getByLabel('No', { exact: true });
  await tabTo(page, safe);
  await page.keyboard.press('Space');
  await expect(safe).toBeChecked();

  await page.keyboard.press('Tab');
  await expect(main.getByLabel('Yes, I have had a check-up')).toBeFocused();
  await expectFocusVisible(page);
  await page.keyboard.press('ArrowDown');
  await expect(main.getByLabel('Not yet')).toBeChecked();
  await expectFocusVisible(page);

  const concern = main.getByLabel('What would you most like help with?');
  await tabTo(page, concern);
  await page.keyboard.type('Mism');
  await expect(concern).toHaveValue('desire-discrepancy');

  await page.keyboard.press('Tab');
  await expect(main.getByLabel('On my own')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(main.getByLabel('With a partner')).toBeChecked();
  await expectFocusVisible(page);

  await page.keyboard.press('Tab');
  const video = main.getByLabel('By video (telehealth)');
  await expect(video).toBeFocused();
  await page.keyboard.press('Space');
  await expect(video).toBeChecked();

  const state = main.getByLabel('Which state are you in?');
  await tabTo(page, state);
  await page.keyboard.type('New J');
  await expect(state).toHaveValue('NJ');

  const link = main.getByRole('link', { name: 'Show therapists who fit' });
  await tabTo(page, link);
  await expect(main.locator('#self-check-advice')).toContainText('See a physician about your physical symptoms');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/therapists\?concerns=desire-discrepancy&focus=couples&format=telehealth&state=NJ$/);
  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
});
