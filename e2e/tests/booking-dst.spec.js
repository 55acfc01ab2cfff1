// Booking across a daylight-saving change, with mail read from a real SMTP
// server. A demo of the test's own runs as if it were Wednesday 10 March
// 2027: the practice is in New York, where clocks go forward on Sunday
// 14 March, while the visitor is in Berlin, where they do not change until
// 28 March. So the therapist's 13:00 is 19:00 for the visitor before the
// change and 18:00 after it, within one page of free times. The visitor
// books a time after the change, confirms their email from the message the
// SMTP server received, the therapist confirms and sees the session in their
// week, and the visitor is told by email, with a calendar file and a link
// that shows the appointment.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, mainLandmark, signIn } from './helpers.js';
import { startSensateDemo } from './serve.js';
import { startSmtpSink } from './smtp-sink.js';

const NOW = '2027-03-10T14:00:00Z'; // Wednesday 09:00 in New York, 15:00 in Berlin

let sink;
let demo;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  sink = await startSmtpSink();
  demo = await startSensateDemo(['--now', NOW, '--smtp-url', sink.url]);
});

test.afterAll(async () => {
  await demo?.stop();
  await sink?.stop();
});

/** Opens the form for the first free time with Dr. Rivera and fills it in as a person would. */
async function fillFirstForm(page, email) {
  const main = mainLandmark(page);
  await page.goto('/therapists?concerns=vaginismus');
  await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
  await main.getByRole('link', { name: 'Choose a time', exact: true }).click();
  await main.locator('a.slot').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your request');
  await main.getByLabel(/^Your name\b/).fill('Sam');
  await main.getByLabel(/^Email address\b/).fill(email);
  await main.getByLabel(/^Where you will be during the video session\b/).selectOption({ label: 'New York' });
  await main.getByLabel('I have read the privacy notice').check();
  await main.getByLabel('I am 18 or older').check();
  const when = await main.getByText(/· Telehealth \(video\)/).first().textContent();
  return { main, when };
}

/** The times listed under a day's heading, as shown. */
async function timesOn(main, day) {
  return main.locator(`h3:text-is("${day}") + ul a.slot`).allTextContents();
}

test('a week that crosses a daylight-saving change, booked from Berlin with mail over SMTP', async ({ browser }) => {
  test.setTimeout(180_000);
  const email = `dst-visitor-${Date.now()}@example.org`;
  // The visitor's browser is German (a 24-hour clock, the day first); the
  // therapist's American (a 12-hour clock, the month first).
  const visitor = await browser.newContext({ baseURL: demo.baseURL, timezoneId: 'Europe/Berlin', locale: 'de-DE' });
  const therapistContext = await browser.newContext({ baseURL: demo.baseURL, timezoneId: 'America/New_York', locale: 'en-US' });
  try {
    const page = await visitor.newPage();
    const main = mainLandmark(page);
    await page.goto('/therapists?concerns=vaginismus');
    await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
    await main.getByRole('link', { name: 'Choose a time', exact: true }).click();
    await expect(page).toHaveURL(/tz=Europe%2FBerlin/);
    await expect(main.getByRole('heading', { level: 2 })).toHaveText('Free times from Wednesday 10 March');

    // Video hours are 13:00–18:00 Monday to Thursday and 09:00–13:00 on
    // Friday in New York; trial consultations last 20 minutes, every 30.
    await expect(main.getByText('Times in Central European Time.')).toBeVisible();
    const thursday = await timesOn(main, 'Thursday 11 March');
    expect(thursday[0]).toBe('19:00');
    expect(thursday.at(-1)).toBe('23:30');
    expect((await timesOn(main, 'Friday 12 March'))[0]).toBe('15:00');
    // New York is on summer time from Sunday: the same hours are an hour earlier in Berlin.
    const monday = await timesOn(main, 'Monday 15 March');
    expect(monday[0]).toBe('18:00');
    expect(monday.at(-1)).toBe('22:30');
    await expect(main.locator('h3:text-is("Sunday 14 March")')).toHaveCount(0);
    await expectNoA11yViolations(page);

    // The same week in the therapist's own zone: 13:00 on both sides of the change.
    await main.getByLabel('Show times in').selectOption('America/New_York');
    await main.getByRole('button', { name: 'Show free times', exact: true }).click();
    await expect(page).toHaveURL(/tz=America%2FNew_York/);
    await expect(main.getByText('Times in Eastern Time.')).toBeVisible();
    expect((await timesOn(main, 'Thursday 11 March'))[0]).toBe('13:00');
    expect((await timesOn(main, 'Monday 15 March'))[0]).toBe('13:00');
    await main.getByLabel('Show times in').selectOption('Europe/Berlin');
    await main.getByRole('button', { name: 'Show free times', exact: true }).click();
    await expect(page).toHaveURL(/tz=Europe%2FBerlin/);

    await main.locator('h3:text-is("Monday 15 March") + ul a.slot').first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your request');
    await expect(main).toContainText('Mon 15 Mar 2027, 18:00 (Central European Time) · Telehealth (video)');
    await main.getByLabel(/^Your name\b/).fill('Robin');
    await main.getByLabel(/^Email address\b/).fill(email);
    await main.getByLabel(/^Where you will be during the video session\b/).selectOption({ label: 'New York' });
    await main.getByLabel('I have read the privacy notice').check();
    await main.getByLabel('I am 18 or older').check();
    // People take a moment to fill in a form; a faster answer is taken for a script.
    await page.waitForTimeout(3_500);
    await main.getByRole('button', { name: 'Send request', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');

    // The link arrives by email, over SMTP.
    const request = await sink.waitFor((m) => m.to.includes(email) && /^Please confirm your request/.test(m.subject));
    expect(request.text).toContain('Mon 15 Mar 2027, 18:00 (Central European Time)');
    expect(request.text).not.toMatch(/vaginismus/i);
    const link = /https?:\/\/\S+\/bookings\/confirm\/[0-9a-f]+/.exec(request.text)?.[0];
    expect(link, 'confirmation link in the email').toBeTruthy();
    await page.goto(link);
    await main.getByRole('button', { name: 'Confirm and send my request', exact: true }).click();
    await expect(main.getByRole('status')).toContainText('Your request was sent');

    // The therapist, in New York, sees the request in their own time and confirms it.
    const therapist = await therapistContext.newPage();
    await signIn(therapist, DEMO_ACCOUNTS.therapist);
    await therapist.getByRole('link', { name: 'Booking requests', exact: true }).click();
    const requests = mainLandmark(therapist);
    const item = requests.getByRole('listitem').filter({ hasText: email });
    await expect(item).toContainText('Mon, Mar 15, 2027, 1:00 PM (Eastern Time)');
    await item.getByRole('button', { name: /^Confirm\b/ }).click();
    await expect(requests.getByRole('status')).toContainText('Confirmed.');
    await expectNoA11yViolations(therapist);

    // The therapist's week of the change shows the session at 1:00 PM on their clock.
    await therapist.goto('/calendar?week=2027-03-15');
    const week = mainLandmark(therapist);
    const session = week.getByRole('region', { name: /Monday, March 15/ }).getByRole('listitem').filter({ hasText: 'Robin' });
    await expect(session).toContainText('1:00 PM');
    await expectNoA11yViolations(therapist);

    // The visitor is told by email, in their own time, and their link shows the appointment.
    const confirmed = await sink.waitFor((m) => m.to.includes(email) && /confirmed/i.test(m.subject));
    expect(confirmed.text).toContain('Mon 15 Mar 2027, 18:00 (Central European Time)');
    expect(confirmed.attachments.map((a) => a.contentType)).toContain('text/calendar');
    const manage = /https?:\/\/\S+\/appointments\/manage\/[0-9a-f]+/.exec(confirmed.text)?.[0];
    expect(manage, 'manage link in the confirmation').toBeTruthy();
    await page.goto(manage);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your appointment');
    await expect(main).toContainText('Mon 15 Mar 2027, 18:00 (Central European Time)');
    await expect(main).toContainText('Confirmed');
    await expectNoA11yViolations(page);
  } finally {
    await visitor.close();
    await therapistContext.close();
  }
});

test('automated requests get the ordinary page, and nothing is stored or sent', async ({ browser }) => {
  test.setTimeout(120_000);
  const visitor = await browser.newContext({ baseURL: demo.baseURL, timezoneId: 'America/New_York' });
  try {
    const page = await visitor.newPage();

    // The honeypot is neither shown nor offered to assistive technology.
    const bot = `honeypot-${Date.now()}@example.org`;
    let { main, when: botTime } = await fillFirstForm(page, bot);
    const honeypot = main.locator('input[name="website"]');
    await expect(honeypot).toBeHidden();
    await expect(main.getByRole('textbox', { name: 'Leave this field empty' })).toHaveCount(0);
    // A script fills every field it finds, the honeypot too.
    await honeypot.evaluate((input) => {
      input.value = 'https://spam.example';
    });
    await page.waitForTimeout(3_500);
    await main.getByRole('button', { name: 'Send request', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
    await expect(mainLandmark(page)).toContainText(`We sent a link to ${bot}`);

    // A form sent within a moment of being shown is a script's too.
    const hasty = `too-fast-${Date.now()}@example.org`;
    ({ main } = await fillFirstForm(page, hasty));
    await main.getByRole('button', { name: 'Send request', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');

    // A person's request, sent afterwards, arrives; the two automated ones never do.
    const person = `person-${Date.now()}@example.org`;
    let personTime;
    ({ main, when: personTime } = await fillFirstForm(page, person));
    // The same first time is still free: neither automated request held it.
    expect(personTime).toBe(botTime);
    await page.waitForTimeout(3_500);
    await main.getByRole('button', { name: 'Send request', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
    await sink.waitFor((m) => m.to.includes(person));
    const sentTo = sink.messages.flatMap((m) => m.to);
    expect(sentTo).not.toContain(bot);
    expect(sentTo).not.toContain(hasty);
  } finally {
    await visitor.close();
  }
});
