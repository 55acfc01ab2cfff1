// The practice's scheduling set-up in the demo: an admin defines session
// types; a therapist keeps bookable hours and sees the free times they give.
// Every page and error state is checked with axe.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark, signIn } from './helpers.js';

const ADMIN = 'frontdesk@harbor.example';
const THERAPIST = 'sam.chen@harbor.example';

test('an admin adds a session type; a mistake is explained beside its field', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Session types and fees', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Session types');
  await expectNoA11yViolations(page);

  const main = mainLandmark(page);
  await main.getByLabel(/^Name\b/).fill('Intimacy check-in');
  await main.getByLabel(/^Length in minutes\b/).fill('5000');
  await main.getByRole('button', { name: 'Add session type', exact: true }).click();
  const length = main.getByLabel(/^Length in minutes\b/);
  await expect(length).toHaveAttribute('aria-invalid', 'true');
  await expect(main.getByRole('alert')).toContainText('Enter the length in minutes, between 5 and 480.');
  await expect(main.getByLabel(/^Name\b/)).toHaveValue('Intimacy check-in');
  await expectNoA11yViolations(page);

  await length.fill('45');
  await main.getByLabel(/^Fee in dollars\b/).fill('150');
  await main.getByLabel('In person', { exact: true }).check();
  await main.getByRole('button', { name: 'Add session type', exact: true }).click();
  await expect(main.getByRole('status')).toHaveText('Session type added.');
  const row = main.getByRole('row', { name: /Intimacy check-in/ });
  await expect(row).toContainText('45 min');
  await expect(row).toContainText('$150');
  await expect(row).toContainText('In person or video');
  await expectNoA11yViolations(page);
});

test('a therapist keeps bookable hours and sees the free times they give', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, THERAPIST);
  await page.getByRole('link', { name: 'Your bookable hours', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your bookable hours');
  const main = mainLandmark(page);
  await expectNoA11yViolations(page);

  // Every weekday, 08:00 to 20:00 by video: the preview cannot be empty
  // whenever the test runs. Row 5 gets an impossible time first.
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
  for (const [i, day] of days.entries()) {
    const n = i + 1;
    await main.getByLabel(`Day, row ${n}`, { exact: true }).selectOption({ label: day });
    await main.getByLabel(`From, row ${n}`, { exact: true }).fill('08:00');
    await main.getByLabel(`To, row ${n}`, { exact: true }).fill(n === 5 ? '07:00' : '20:00');
    await main.getByLabel(`Sessions, row ${n}`, { exact: true }).selectOption('telehealth');
  }
  await main.getByLabel(/^Hours of notice\b/).fill('1');
  await main.getByRole('button', { name: 'Save hours', exact: true }).click();
  await expect(main.getByRole('alert')).toContainText('must end after they start');
  await expect(main.getByText('Nothing was saved.')).toBeVisible();
  await expectNoA11yViolations(page);

  await main.getByLabel('To, row 5', { exact: true }).fill('20:00');
  await main.getByRole('button', { name: 'Save hours', exact: true }).click();
  await expect(main.getByRole('status')).toContainText('Hours saved.');
  const preview = main.getByRole('region', { name: 'Next free times', exact: true });
  await expect(preview.getByRole('listitem').first()).toContainText('Telehealth (video)');
  await expect(main.getByLabel('Day, row 5', { exact: true })).toHaveValue('5');
  await expectNoA11yViolations(page);
});

test('a therapist makes a private calendar feed address and a calendar app can read it', async ({ page, request }) => {
  test.setTimeout(90_000);
  await signIn(page, 'daniel.levi@harbor.example');
  await page.getByRole('link', { name: 'Calendar feed', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Calendar feed');
  const main = mainLandmark(page);
  await expect(main).toContainText('You have no feed address yet.');
  await expectNoA11yViolations(page);

  await main.getByRole('button', { name: 'Make a feed address', exact: true }).click();
  const address = (await main.locator('code.feed-address').textContent()).trim();
  expect(address).toMatch(/\/calendar\/[0-9a-f]{64}$/);
  await expectNoA11yViolations(page);

  const feed = await request.get(address);
  expect(feed.status()).toBe(200);
  expect(feed.headers()['content-type']).toBe('text/calendar; charset=utf-8');
  const ics = await feed.text();
  expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(ics).toContain('BEGIN:VEVENT');
  expect(ics, 'initials only, never a client name').not.toMatch(/Jordan|Alex|Riley|Priya|Miles|Kim|Nair/);

  await page.goto('/calendar-feed');
  await expect(main).toContainText('cannot be shown again');
  await main.getByRole('button', { name: 'Revoke the address', exact: true }).click();
  await expect(main.getByRole('status')).toContainText('revoked');
  expect((await request.get(address)).status()).toBe(404);
  await expectNoA11yViolations(page);
});
