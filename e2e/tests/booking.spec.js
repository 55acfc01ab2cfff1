// Booking a trial session in the demo, as a visitor in Berlin: free times in
// their own zone, the form and its mistakes, the email link (from the demo
// outbox), and the therapist confirming the request. axe checks each page.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, mainLandmark, signIn } from './helpers.js';

test.use({ timezoneId: 'Europe/Berlin' });

test('a visitor books a trial session and the therapist confirms it', async ({ browser, page }) => {
  test.setTimeout(120_000);
  const email = `visitor-${Date.now()}@example.org`;
  const main = mainLandmark(page);

  await page.goto('/therapists?concerns=vaginismus');
  await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
  await main.getByRole('link', { name: 'Choose a time', exact: true }).click();
  // The page picks the browser's time zone and shows the times in it.
  await expect(page).toHaveURL(/tz=Europe%2FBerlin/);
  await expect(main.getByLabel('Show times in')).toHaveValue('Europe/Berlin');
  const first = main.locator('a.slot').first();
  // On an American browser's 12-hour clock, the zone named once for all.
  await expect(first).toHaveText(/^\d{1,2}:\d\d [AP]M$/);
  await expect(main.getByText('Times in Central European Time.')).toBeVisible();
  // The free times of a day sit level in their row, the first one included.
  const tops = await main.locator('a.slot').evaluateAll((slots) => slots.slice(0, 2).map((s) => s.getBoundingClientRect().top));
  expect(tops[0]).toBe(tops[1]);
  await expectNoA11yViolations(page);
  await first.click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your request');
  await expect(main).toContainText('(Central European Time) · Telehealth (video)');
  await expectNoA11yViolations(page);
  await main.getByLabel(/^Your name\b/).fill('Robin');
  await main.getByLabel(/^Email address\b/).fill(email);
  await main.getByLabel(/^Where you will be during the video session\b/).selectOption({ label: 'New York' });
  // The partner's address is asked for only when a partner comes.
  const partner = main.getByLabel(/^Partner's email address\b/);
  await expect(partner).toBeHidden();
  await main.getByLabel('With a partner', { exact: true }).check();
  await expect(partner).toBeVisible();
  await main.getByLabel('With a partner', { exact: true }).uncheck();
  await expect(partner).toBeHidden();
  // People take a moment to fill in a form; a faster answer is taken for a script.
  await page.waitForTimeout(3_500);
  await main.getByRole('button', { name: 'Send request', exact: true }).click();
  await expect(main.getByRole('alert')).toContainText('Please agree to the privacy notice');
  await expect(main.getByLabel(/^Your name\b/)).toHaveValue('Robin');
  await expectNoA11yViolations(page);
  await main.getByLabel('I have read the privacy notice').check();
  await main.getByLabel('I am 18 or older').check();
  await main.getByRole('button', { name: 'Send request', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  await expect(main).toContainText(`We sent a link to ${email}`);
  await expectNoA11yViolations(page);

  await page.goto('/outbox');
  const mail = main.getByRole('listitem').filter({ hasText: `To ${email}` }).first();
  await expect(mail).toContainText('Please confirm your request');
  const link = /https?:\/\/\S+\/bookings\/confirm\/[0-9a-f]+/.exec(await mail.textContent())?.[0];
  expect(link, 'confirmation link in the email').toBeTruthy();
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Confirm your request');
  await expectNoA11yViolations(page);
  await main.getByRole('button', { name: 'Confirm and send my request', exact: true }).click();
  await expect(main.getByRole('status')).toContainText('Your request was sent');
  // Where the visitor stands now, and what happens next.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your request was sent');
  await expect(main.getByRole('heading', { level: 2, name: 'What happens next' })).toBeVisible();
  await expectNoA11yViolations(page);

  const therapistContext = await browser.newContext({ timezoneId: 'America/New_York' });
  try {
    const therapist = await therapistContext.newPage();
    await signIn(therapist, DEMO_ACCOUNTS.therapist);
    // Today says what waits, and leads to it.
    const attention = therapist.getByRole('region', { name: 'Needs your attention' });
    await expect(attention).toContainText(/booking requests? waits? for your answer/);
    await attention.getByRole('link', { name: 'Review requests', exact: true }).click();
    const requests = mainLandmark(therapist);
    const request = requests.getByRole('listitem').filter({ hasText: email });
    await expect(request).toContainText('Robin');
    // The whole request: the kind of session, how to reach them, where they will be.
    await expect(request).toContainText('Trial consultation');
    await expect(request).toContainText('New York');
    // Declining asks why; here the therapist confirms instead.
    await request.locator('summary').filter({ hasText: /^Decline/ }).click();
    await expect(request.getByLabel(/^Why\b/)).toBeVisible();
    await expectNoA11yViolations(therapist);
    await request.getByRole('button', { name: /^Confirm\b/ }).click();
    await expect(requests.getByRole('status')).toContainText('Confirmed.');
    await expect(requests.getByRole('listitem').filter({ hasText: email })).toHaveCount(0);
    await expectNoA11yViolations(therapist);
    // And the session is on the calendar.
    await therapist.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Calendar', exact: true }).click();
    await expect(therapist).toHaveURL(/\/calendar/);
  } finally {
    await therapistContext.close();
  }
});
