// The therapist's calendar in the demo: the week view, moving to the next
// week with htmx (the address follows), and adding a weekly series for a
// client, which then shows in the following weeks; for a couple, one
// partner's own session, which only that partner sees and opens. axe checks
// every page and state, the form with its errors included.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, mainLandmark, signIn } from './helpers.js';

// A browser set to British English: the 24-hour clock and the day first.
test.use({ locale: 'en-GB' });

/** The Monday after `monday` (YYYY-MM-DD), `weeks` weeks on. */
function weeksAfter(monday, weeks) {
  const day = new Date(`${monday}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 7 * weeks);
  return day.toISOString().slice(0, 10);
}

/** "Monday 7 December", as the day headings read. */
function dayHeading(date) {
  const day = new Date(`${date}T12:00:00Z`);
  const weekday = day.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = day.toLocaleDateString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${day.getUTCDate()} ${month}`;
}

test('a therapist moves through the week and adds a weekly series for a client', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, DEMO_ACCOUNTS.therapist);
  await page.getByRole('link', { name: 'Your calendar: this week', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Calendar');
  const main = mainLandmark(page);
  const weekTitle = main.getByRole('heading', { level: 2, name: /^Week of / });
  await expect(weekTitle).toBeVisible();
  await expect(main.getByText(/Times are on the practice's clock \(Eastern Time\)\./)).toBeVisible();
  // A real heading per day, each day a labelled region.
  await expect(main.getByRole('heading', { level: 3 })).toHaveCount(7);
  await expect(main.getByRole('region', { name: /^Monday / })).toBeVisible();
  await expectNoA11yViolations(page);

  // Next week, swapped in place by htmx: no new page load, the address follows.
  await page.evaluate(() => {
    window.sameDocument = true;
  });
  const thisWeek = await weekTitle.textContent();
  await main.getByRole('link', { name: 'Next week', exact: true }).click();
  await expect(page).toHaveURL(/\/calendar\?(week|from)=\d{4}-\d{2}-\d{2}$/);
  await expect(weekTitle).not.toHaveText(thisWeek);
  expect(await page.evaluate(() => window.sameDocument), 'the week was swapped, not the page').toBe(true);
  await expect(page.locator('#week-status')).toHaveText(/^Showing the week of /);
  const nextMonday = new URL(page.url()).searchParams.get('week');
  // The demo therapist sees clients every week: next week is not empty.
  await expect(main.getByRole('link', { name: /Jordan Miles/ }).first()).toBeVisible();
  await expectNoA11yViolations(page);

  // Add a weekly series of four, two weeks after next, at 07:00.
  await main.getByRole('link', { name: 'Add an appointment', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Add an appointment');
  await expectNoA11yViolations(page);
  const start = weeksAfter(nextMonday, 2);
  await main.getByLabel(/^Client\b/).selectOption({ label: 'Jordan Miles (individual)' });
  await main.getByLabel(/^Session type\b/).selectOption({ label: 'Individual session · 50 min · Telehealth (video) or In person' });
  await main.getByLabel('In person', { exact: true }).check();
  // A date already past, by mistake.
  const date = main.getByLabel(/^Date \(first session\)/);
  await date.fill('2026-01-05');
  const time = main.getByLabel(/^Start time\b/);
  await expect(time).toHaveAttribute('type', 'time');
  await time.fill('07:00');
  await main.getByLabel('Every week', { exact: true }).check();
  await main.getByLabel(/^Number of sessions in all\b/).fill('4');
  await main.getByRole('button', { name: 'Add to the calendar', exact: true }).click();

  // The mistake is named beside its field; everything typed is kept.
  await expect(date).toHaveAttribute('aria-invalid', 'true');
  await expect(main.getByRole('alert')).toContainText('That time has passed. Choose a date and time after');
  await expect(date).toHaveValue('2026-01-05');
  await expect(time).toHaveValue('07:00');
  await expect(main.getByLabel(/^Number of sessions in all\b/)).toHaveValue('4');
  await expect(main.getByLabel('Every week', { exact: true })).toBeChecked();
  await expectNoA11yViolations(page);

  await date.fill(start);
  await main.getByRole('button', { name: 'Add to the calendar', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?week=${start}&done=added&count=4$`));
  await expect(main.getByRole('status').first()).toHaveText('4 appointments added. Each can be moved or cancelled on its own.');
  await expectNoA11yViolations(page);

  // Each of the following weeks has the session on Monday at 07:00.
  for (let week = 0; week < 4; week++) {
    const monday = weeksAfter(start, week);
    const day = main.getByRole('region', { name: new RegExp(`^${dayHeading(monday)}`) });
    await expect(day.getByRole('link', { name: '07:00–07:50 Jordan Miles' })).toBeVisible();
    await expect(day).toContainText('repeating');
    if (week < 3) {
      await main.getByRole('link', { name: 'Next week', exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`week=${weeksAfter(start, week + 1)}$`));
    }
  }
  // The week after the series has no 07:00 session.
  await main.getByRole('link', { name: 'Next week', exact: true }).click();
  const after = main.getByRole('region', { name: new RegExp(`^${dayHeading(weeksAfter(start, 4))}`) });
  await expect(after).toBeVisible();
  await expect(after.getByRole('link', { name: '07:00–07:50 Jordan Miles' })).toHaveCount(0);

  // The same series again collides everywhere: nothing is booked, the dates are listed.
  await page.goto('/appointments/new');
  await main.getByLabel(/^Client\b/).selectOption({ label: 'Jordan Miles (individual)' });
  await main.getByLabel(/^Session type\b/).selectOption({ label: 'Individual session · 50 min · Telehealth (video) or In person' });
  await main.getByLabel(/^Date \(first session\)/).fill(start);
  await main.getByLabel(/^Start time\b/).fill('07:30');
  await main.getByLabel('Every week', { exact: true }).check();
  await main.getByLabel(/^Number of sessions in all\b/).fill('4');
  await main.getByRole('button', { name: 'Add to the calendar', exact: true }).click();
  const alert = main.getByRole('alert');
  await expect(alert).toContainText('Nothing was booked: 4 dates collide with the calendar');
  await expect(alert.getByRole('listitem')).toHaveCount(4);
  await expect(alert.getByRole('listitem').first()).toContainText('07:30');
  await expectNoA11yViolations(page);
});

test('the front desk chooses whose week to see, and the choice survives moving between weeks', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'frontdesk@harbor.example');
  await page.getByRole('link', { name: "Therapists' calendars", exact: true }).click();
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { level: 2, name: /^Week of / })).toBeVisible();
  await expectNoA11yViolations(page);

  await main.getByLabel('Whose week', { exact: true }).selectOption({ label: 'Sam Chen' });
  await main.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Calendar · Sam Chen');
  await main.getByRole('link', { name: 'Next week', exact: true }).click();
  await expect(page).toHaveURL(/\/calendar\?(week|from)=\d{4}-\d{2}-\d{2}&therapist=[0-9a-f-]{36}$/);
  // Sam Chen sees the Kims as a couple every week; the week stays Sam's.
  await expect(main.getByRole('link', { name: /Alex Kim & Riley Kim/ }).first()).toBeVisible();
  await expect(main.getByRole('link', { name: /Jordan Miles/ })).toHaveCount(0);
  await expect(main.getByLabel('Whose week', { exact: true })).toHaveValue(/[0-9a-f-]{36}/);
  expect(await main.getByLabel('Whose week', { exact: true }).locator('option:checked').textContent()).toBe('Sam Chen');
  await expectNoA11yViolations(page);

  // Everyone's day: a column per therapist, headed by name.
  await main.getByRole('link', { name: "Everyone's day", exact: true }).click();
  await expect(page).toHaveURL(/\/calendar\?everyone=1$/);
  await expect(main.getByRole('heading', { level: 2, name: /^Everyone on / })).toBeVisible();
  const columns = main.getByRole('region');
  await expect(columns).toHaveCount(3);
  await expect(main.getByRole('region', { name: 'Sam Chen' })).toBeVisible();
  const [one, two] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
  expect(two.x, 'side by side').toBeGreaterThan(one.x + one.width - 1);
  await expectNoA11yViolations(page);
  await main.getByRole('link', { name: 'Next day', exact: true }).click();
  await expect(page).toHaveURL(/\/calendar\?everyone=1&day=\d{4}-\d{2}-\d{2}$/);
  await expect(main.getByRole('region')).toHaveCount(3);
});

test('on a narrow screen the days stack as a list, each under its own heading', async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, DEMO_ACCOUNTS.therapist);
  await page.goto('/calendar');
  const main = mainLandmark(page);
  const days = main.getByRole('region', { name: /day / });
  await expect(days).toHaveCount(7);
  const first = await days.nth(0).boundingBox();
  const second = await days.nth(1).boundingBox();
  expect(second.x, 'the second day sits under the first').toBeCloseTo(first.x, 0);
  expect(second.y).toBeGreaterThan(first.y + first.height - 1);
  await expectNoA11yViolations(page);
});

test("a couple's therapist books one partner's own session, and only that partner sees it", async ({ browser, page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'sam.chen@harbor.example');
  await page.goto('/calendar');
  const main = mainLandmark(page);
  await main.getByRole('link', { name: 'Next week', exact: true }).click();
  await expect(page).toHaveURL(/week=\d{4}-\d{2}-\d{2}/);
  const start = weeksAfter(new URL(page.url()).searchParams.get('week'), 2);

  await page.goto('/appointments/new');
  await main.getByLabel(/^Client\b/).selectOption({ label: 'Alex Kim & Riley Kim (couple)' });
  const who = main.getByLabel(/^Who attends\b/);
  await expect(who).toHaveValue('everyone');
  await who.selectOption({ label: 'Alex Kim only' });
  await main.getByLabel(/^Session type\b/).selectOption({ label: 'Couple session · 80 min · Telehealth (video) or In person' });
  await main.getByLabel(/^Date \(first session\)/).fill(start);
  await main.getByLabel(/^Start time\b/).fill('08:00');
  await expectNoA11yViolations(page);
  await main.getByRole('button', { name: 'Add to the calendar', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/calendar\\?week=${start}&done=added&count=1$`));

  // The week names the partner who comes; the appointment says who does not.
  const day = main.getByRole('region', { name: new RegExp(`^${dayHeading(start)}`) });
  await day.getByRole('link', { name: '08:00–09:20 Alex Kim' }).click();
  await expect(main.getByText('Alex Kim only (an individual session; Riley Kim does not attend)')).toBeVisible();
  await expectNoA11yViolations(page);

  // Alex sees it, marked as their own; Riley never does.
  for (const [email, sees] of [['alex@client.example', 1], ['riley@client.example', 0]]) {
    const context = await browser.newContext({ locale: 'en-GB' });
    try {
      const client = await context.newPage();
      await signIn(client, email);
      const upcoming = mainLandmark(client).getByRole('table', { name: /^Your sessions/ });
      await expect(upcoming).toBeVisible();
      await expect(upcoming.getByRole('row').filter({ hasText: '08:00' })).toHaveCount(sees);
      if (sees) {
        const row = upcoming.getByRole('row').filter({ hasText: '08:00' });
        await expect(row).toContainText('Individual, in couple therapy');
        // The session opens on its page, where Alex may move or cancel it.
        await row.getByRole('link').click();
        await expect(client.getByRole('heading', { level: 1 })).toHaveText('Your appointment');
        await expect(mainLandmark(client).getByRole('button', { name: 'Cancel my appointment', exact: true })).toBeVisible();
        await expectNoA11yViolations(client);
      }
    } finally {
      await context.close();
    }
  }

  // Made joint on its page, the session reaches Riley too.
  await main.getByLabel('Who attends from now on', { exact: true }).selectOption({ label: 'Both partners' });
  await main.getByRole('button', { name: 'Change who attends', exact: true }).click();
  await expect(main.getByRole('status').first()).toContainText('Who attends was changed.');
  await expect(main.getByText('Both partners (a joint session)')).toBeVisible();
  await expectNoA11yViolations(page);
  const riley = await browser.newContext({ locale: 'en-GB' });
  try {
    const client = await riley.newPage();
    await signIn(client, 'riley@client.example');
    const row = mainLandmark(client).getByRole('table', { name: /^Your sessions/ }).getByRole('row').filter({ hasText: '08:00' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Couple');
  } finally {
    await riley.close();
  }
});
