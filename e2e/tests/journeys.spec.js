// Journeys as people make them, on a phone (390 px) and a desktop (1280 px):
// a visitor searches, narrows the results and books one of a card's times;
// a therapist goes from Today to the requests and the calendar. Each page
// is checked with axe, must not scroll sideways, and is kept as a
// screenshot among the run's artifacts.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, mainLandmark, signIn } from './helpers.js';

const SIZES = [
  [390, 844],
  [1280, 900],
];

/** Fails when the page scrolls sideways; then checks axe and keeps a screenshot. */
async function checkAndKeep(page, testInfo, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name}: horizontal overflow in px`).toBeLessThanOrEqual(0);
  await expectNoA11yViolations(page);
  const shot = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach(name, { path: shot, contentType: 'image/png' });
}

for (const [width, height] of SIZES) {
  const phone = width < 600;

  test(`a visitor finds a therapist and books one of a card's times at ${width} px`, async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width, height });
    await page.goto('/therapists');
    const main = mainLandmark(page);
    const results = main.getByRole('heading', { level: 2, name: /therapists? found$/ });
    const panel = main.locator('#filter-panel');
    const concern = main.getByLabel('What would you like help with?');

    if (phone) {
      // Results first: the filters fold behind one button.
      await expect(panel).not.toHaveAttribute('open', '');
      await expect(concern).toBeHidden();
      const heading = await results.boundingBox();
      expect(heading.y, 'the results start on the first screen').toBeLessThan(height);
      await main.locator('summary').filter({ hasText: /^Filters/ }).click();
      await concern.selectOption('vaginismus');
      await main.getByRole('button', { name: 'Search', exact: true }).click();
      // Searching folds the filters away again, and the results show, the
      // button saying how many filters are in use.
      await expect(panel).not.toHaveAttribute('open', '');
      await expect(main.locator('summary')).toHaveText('Filters 1 in use');
    } else {
      // Filters beside the results.
      await expect(concern).toBeVisible();
      const [filters, found] = [await concern.boundingBox(), await results.boundingBox()];
      expect(found.x, 'the results sit beside the filters').toBeGreaterThan(filters.x + filters.width);
      await concern.selectOption('vaginismus');
    }
    await expect(page).toHaveURL(/concerns=vaginismus/);
    await expect(results).toHaveText('1 therapist found');
    // The filter in use is a chip that removes it.
    const chip = main.getByRole('link', { name: /^Remove the filter Involuntary muscle tightness/ });
    await expect(chip).toBeVisible();
    // Without it, nothing is left but the zone the times are shown in.
    await expect(chip).toHaveAttribute('href', /^\/therapists(\?tz=[\w%]+)?$/);
    const card = main.locator('ul.results > li').first();
    await expect(card).toContainText('Dr. Elena Rivera');
    await expect(card).toContainText(/From \$\d+ a session/);
    const times = card.getByRole('list', { name: 'Free times with Dr. Elena Rivera' }).getByRole('link');
    await expect(times).toHaveCount(3);
    await checkAndKeep(page, testInfo, `search-${width}`);

    // The card's last time leads straight to the form for it.
    const label = await times.last().textContent();
    await times.last().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your request');
    // "Tue, Nov 24, 2:00 PM" on the button; the form names the same day and time.
    const [weekday, day, time] = label.trim().split(', ');
    await expect(main).toContainText(new RegExp(`${weekday}, ${day}, \\d{4}, ${time} \\(`));
    await expect(main).toContainText('· Telehealth (video)');
    await checkAndKeep(page, testInfo, `book-${width}`);

    await main.getByLabel(/^Your name\b/).fill('Robin');
    await main.getByLabel(/^Email address\b/).fill(`journey-${width}-${Date.now()}@example.org`);
    await main.getByLabel(/^Where you will be during the video session\b/).selectOption({ label: 'New York' });
    await main.getByLabel('I have read the privacy notice').check();
    await main.getByLabel('I am 18 or older').check();
    // People take a moment to fill in a form; a faster answer is taken for a script.
    await page.waitForTimeout(3_500);
    await main.getByRole('button', { name: 'Send request', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
    await checkAndKeep(page, testInfo, `sent-${width}`);
  });

  test(`a therapist goes from Today to the requests and the calendar at ${width} px`, async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width, height });
    await signIn(page, DEMO_ACCOUNTS.therapist);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Today');
    await expect(page.getByRole('heading', { level: 2, name: "Today's sessions", exact: true })).toBeVisible();
    await checkAndKeep(page, testInfo, `today-${width}`);

    const menu = page.getByRole('navigation', { name: 'Main', exact: true });
    const open = async () => {
      if (phone) await page.getByRole('banner').getByRole('button', { name: 'Menu', exact: true }).click();
    };
    await open();
    await menu.getByRole('link', { name: /^Requests\b/ }).click();
    await expect(page).toHaveURL(/\/requests$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Booking requests');
    await checkAndKeep(page, testInfo, `requests-${width}`);

    await open();
    await menu.getByRole('link', { name: 'Calendar', exact: true }).click();
    await expect(page).toHaveURL(/\/calendar$/);
    const calendar = mainLandmark(page);
    await expect(calendar.getByRole('heading', { level: 2, name: /^Week of / })).toBeVisible();
    const days = calendar.getByRole('region', { name: /day\b/ });
    await expect(days).toHaveCount(7);
    // Seven days from today, today first.
    await expect(days.first()).toContainText('Today');
    const [first, second] = [await days.nth(0).boundingBox(), await days.nth(1).boundingBox()];
    if (phone) {
      expect(second.y, 'on a phone the days stack').toBeGreaterThan(first.y + first.height - 1);
    } else {
      // A time grid: the days side by side, each session as tall as it is long.
      expect(second.y).toBeCloseTo(first.y, 0);
      expect(second.x).toBeGreaterThan(first.x + first.width - 1);
      const session = calendar.locator('.week-entry.week-session').first();
      const hour = calendar.locator('.tg-hour').first();
      const [box, mark] = [await session.boundingBox(), await hour.boundingBox()];
      expect(box.y, 'sessions start below the first hour').toBeGreaterThanOrEqual(mark.y - 1);
      expect(box.height, 'a 50-minute session is about an hour of rows tall').toBeGreaterThan(40);
    }
    await checkAndKeep(page, testInfo, `calendar-${width}`);

    // One day alone, and back.
    await days.first().getByRole('heading').getByRole('link').click();
    await expect(page).toHaveURL(/\/calendar\?day=\d{4}-\d{2}-\d{2}$/);
    await expect(calendar.getByRole('region', { name: /day\b/ })).toHaveCount(1);
    await checkAndKeep(page, testInfo, `calendar-day-${width}`);
    await calendar.getByRole('link', { name: 'Show the week', exact: true }).click();
    await expect(calendar.getByRole('region', { name: /day\b/ })).toHaveCount(7);
  });
}

test('the profile editor: parts to jump to, and long lists that narrow as one types', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page, DEMO_ACCOUNTS.therapist);
  await page.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Profiles', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your directory profile');
  const main = mainLandmark(page);
  await expect(main.getByRole('navigation', { name: 'Parts of this page' }).getByRole('link')).toHaveCount(7);

  // Fifty-odd languages: a field narrows them, a line names what is chosen.
  const find = main.getByLabel('Find a language', { exact: true });
  const languages = main.locator('.checklist').filter({ has: page.locator('input[name="languages"]') });
  const chosen = main.locator('.checklist-chosen').nth(1);
  await expect(chosen).toHaveText(/^Chosen: /);
  const before = await chosen.textContent();
  await find.fill('portug');
  await expect(languages.locator('.check:visible')).toHaveCount(1);
  await languages.getByLabel('Portuguese', { exact: true }).check();
  await expect(chosen).toContainText('Portuguese');
  await find.press('Enter');
  await page.waitForTimeout(300);
  await expect(page, 'Enter narrows; it does not send the form').not.toHaveURL(/done=/);
  await find.fill('');
  await expect(languages.locator('.check:visible')).toHaveCount(await languages.locator('.check').count());
  // The editor is a few screens long, not seven thousand pixels.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  expect(height, 'page height in px').toBeLessThan(5000);
  await checkAndKeep(page, testInfo, 'profile-editor-1280');
  await languages.getByLabel('Portuguese', { exact: true }).uncheck();
  expect(before).not.toContain('Portuguese');
});
