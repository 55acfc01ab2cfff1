// After a booking is accepted, in the demo: the client opens the manage link
// from the confirmation email (demo outbox), moves the appointment, then
// cancels it; the therapist sees who did what on the appointment's page.
// axe checks each page.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, mainLandmark, signIn } from './helpers.js';

test.use({ timezoneId: 'Europe/Berlin' });

/** The newest email to `to` whose text matches `subject`, and the first link in it matching `pattern`. */
async function linkFromOutbox(page, to, subject, pattern) {
  await page.goto('/outbox');
  const mail = mainLandmark(page).getByRole('listitem').filter({ hasText: `To ${to}` }).filter({ hasText: subject }).first();
  await expect(mail).toBeVisible();
  const link = pattern.exec(await mail.textContent())?.[0];
  expect(link, `${subject}: link in the email`).toBeTruthy();
  return link;
}

test('a client moves and cancels by their link; the therapist sees the history', async ({ browser, page }) => {
  test.setTimeout(180_000);
  const email = `client-${Date.now()}@example.org`;
  const main = mainLandmark(page);

  // Book the last free time of the week shown, so the cancellation notice is still ahead.
  await page.goto('/therapists?concerns=vaginismus');
  await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
  await main.getByRole('link', { name: 'Choose a time', exact: true }).click();
  await expect(page).toHaveURL(/tz=Europe%2FBerlin/);
  await main.locator('a.slot').last().click();
  await main.getByLabel(/^Your name\b/).fill('Robin');
  await main.getByLabel(/^Email address\b/).fill(email);
  await main.getByLabel(/^Where you will be during the video session\b/).selectOption({ label: 'New York' });
  await main.getByLabel('I have read the privacy notice').check();
  await main.getByLabel('I am 18 or older').check();
  await page.waitForTimeout(3_500);
  await main.getByRole('button', { name: 'Send request', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  await page.goto(await linkFromOutbox(page, email, 'Please confirm your request', /https?:\/\/\S+\/bookings\/confirm\/[0-9a-f]+/));
  await main.getByRole('button', { name: 'Confirm and send my request', exact: true }).click();
  await expect(main.getByRole('status')).toContainText('Your request was sent');

  const therapistContext = await browser.newContext({ timezoneId: 'America/New_York' });
  try {
    const therapist = await therapistContext.newPage();
    await signIn(therapist, DEMO_ACCOUNTS.therapist);
    await therapist.goto('/requests');
    const request = mainLandmark(therapist).getByRole('listitem').filter({ hasText: email });
    const action = await request.locator('form[action$="/confirm"]').getAttribute('action');
    const appointment = action.replace(/^\/requests\//, '/appointments/').replace(/\/confirm$/, '');
    await request.getByRole('button', { name: /^Confirm\b/ }).click();
    await expect(mainLandmark(therapist).getByRole('status')).toContainText('Confirmed.');

    // The therapist's page of the appointment: who, when, history, and what may be done.
    await therapist.goto(appointment);
    const staff = mainLandmark(therapist);
    await expect(staff).toContainText('Requested online by Robin');
    await expect(staff).toContainText('Confirmed by Dr. Elena Rivera');
    await expect(staff.getByRole('heading', { name: 'Move to another time' })).toBeVisible();
    // The free times wait behind one line, so the page stays short.
    await expect(staff.getByRole('radio').first()).toBeHidden();
    await staff.getByText('Choose a free time', { exact: false }).click();
    await expect(staff.getByRole('radio').first()).toBeVisible();
    await expect(staff.getByLabel(/^Reason\b/)).toBeVisible();
    await expectNoA11yViolations(therapist);

    // The client's link, from the confirmation email: opening it changes nothing.
    const manage = await linkFromOutbox(page, email, /your appointment is confirmed/i, /https?:\/\/\S+\/appointments\/manage\/[0-9a-f]{64}/);
    await page.goto(manage);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your appointment');
    await expect(main).toContainText('Confirmed');
    await expect(main).toContainText('You can cancel or move this appointment here until');
    await expectNoA11yViolations(page);
    const before = await main.locator('dd').first().textContent();

    // Move to the first free time offered.
    await main.getByRole('radio').first().check();
    await main.getByRole('button', { name: 'Move to the chosen time', exact: true }).click();
    await expect(main.getByRole('status')).toContainText('Your appointment has been moved.');
    await expect(main.locator('dd').first()).not.toHaveText(before);
    await expectNoA11yViolations(page);

    // Then cancel it: the page says so and offers nothing more.
    await main.getByRole('button', { name: 'Cancel my appointment', exact: true }).click();
    await expect(main.getByRole('status').first()).toContainText('Your appointment is cancelled.');
    await expect(main).toContainText('This appointment is already cancelled; it cannot be changed.');
    await expect(main.getByRole('button', { name: 'Cancel my appointment' })).toHaveCount(0);
    await expectNoA11yViolations(page);

    // The therapist was told by email, with a link to the appointment's page.
    const told = await linkFromOutbox(page, DEMO_ACCOUNTS.therapist, 'An appointment was cancelled', /https?:\/\/\S+\/appointments\/[0-9a-f-]{36}/);
    expect(new URL(told).pathname).toBe(appointment);
    await therapist.goto(appointment);
    const history = mainLandmark(therapist);
    await expect(history).toContainText('Requested online by Robin');
    await expect(history).toContainText('Confirmed by Dr. Elena Rivera');
    await expect(history).toContainText('Moved by the client, from');
    await expect(history).toContainText('Cancelled by the client');
    await expect(history).toContainText('Cancelled');
    await expectNoA11yViolations(therapist);
  } finally {
    await therapistContext.close();
  }
});
