// The public directory: a visitor filters by concern, video sessions in
// their state and insurance; the results update in place (htmx) and are
// announced; they see why a therapist matches and open the profile. Result
// pages update in place too, and without JavaScript the search is a plain
// form. axe-core on every state of the page.
import { test, expect } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark } from './helpers.js';

/** Requests the page sends to the search, with whether htmx sent them. */
function recordSearches(page) {
  const searches = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/therapists') {
      searches.push({ url, htmx: request.headers()['hx-request'] === 'true', type: request.resourceType() });
    }
  });
  return searches;
}

test('a visitor finds a licensed therapist who fits, in place, and opens the profile', async ({ page }) => {
  await page.goto('/therapists');
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { level: 1, name: 'Find a sex therapist' })).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeVisible();
  await expectNoA11yViolations(page);

  // A marker that a full page load would wipe out.
  await page.evaluate(() => {
    window.sensateSamePage = true;
  });
  const searches = recordSearches(page);

  await main.getByLabel('What would you like help with?').selectOption('vaginismus');
  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  await expect(page).toHaveURL(/[?&]concerns=vaginismus/);
  await main.getByLabel('By video (telehealth)').check();
  await main.getByLabel('Your state').selectOption('NY');
  await main.getByLabel('Insurance', { exact: true }).selectOption('aetna');
  // Submit from the keyboard: Enter in a text field submits the form.
  await main.getByLabel(/^Near/).focus();
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(/concerns=vaginismus&format=telehealth&state=NY&.*insurance=aetna/);
  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  await expect(main.locator('p.why')).toContainText('Treats Involuntary muscle tightness');
  await expect(main.locator('p.why')).toContainText('In network with Aetna');
  await expect(main.locator('p.why')).toContainText('Telehealth, licensed in NY');
  // Announced politely to screen readers, and no filter was left out on the way.
  await expect(page.locator('#results-status')).toHaveText('1 therapist found');
  await expect(page.locator('#results-status')).toHaveAttribute('role', 'status');
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toHaveCount(0);

  expect(await page.evaluate(() => window.sensateSamePage), 'the page was not reloaded').toBe(true);
  expect(searches.length, 'each change searched').toBeGreaterThan(0);
  expect(searches.every((s) => s.htmx && s.type === 'xhr'), 'every search went through htmx').toBe(true);
  await expectNoA11yViolations(page);

  await main.getByRole('link', { name: 'Dr. Elena Rivera' }).click();
  await expect(main.getByRole('heading', { level: 1 })).toContainText('Dr. Elena Rivera');
  // What matched, on the profile itself.
  await expect(main.getByText('Involuntary muscle tightness making penetration difficult')).toBeVisible();
  await expect(main.getByText('By video (telehealth) for clients in: NY')).toBeVisible();
  await expect(main.getByText(/In network with: .*Aetna/)).toBeVisible();
  await expect(main.getByText(/licence verified on/)).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: 'Book a trial session' })).toBeVisible();
  await expectNoA11yViolations(page);

  // "Back to the search" returns to this search, filters and all.
  await main.getByRole('link', { name: 'Back to the search', exact: true }).click();
  await expect(page).toHaveURL(/concerns=vaginismus/);
  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  await expect(main.getByLabel('What would you like help with?')).toHaveValue('vaginismus');
});

test('a filter that cannot be used is explained, in place too, and the rest still search', async ({ page }) => {
  await page.goto('/therapists?near=00000&state=NY&format=telehealth');
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeVisible();
  await expectNoA11yViolations(page);

  // Fixing it clears the explanation without a reload.
  await main.getByLabel(/^Near/).fill('');
  await main.getByLabel('Insurance', { exact: true }).selectOption('aetna');
  await expect(main.getByRole('heading', { level: 2, name: '2 therapists found' })).toBeVisible();
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toHaveCount(0);

  // A new problem, explained in place: video sessions need a state.
  await main.getByLabel('Your state').selectOption('');
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toBeVisible();
  await expect(main.getByText('Choose the state or region you are in')).toBeVisible();
  await expectNoA11yViolations(page);
});

test('result pages update in place and move focus to the results', async ({ page }) => {
  await page.goto('/therapists?per_page=1');
  const main = mainLandmark(page);
  const searches = recordSearches(page);
  await expect(main.getByText('Page 1 of 3')).toBeVisible();
  await main.getByRole('link', { name: 'Next page' }).click();
  await expect(main.getByText('Page 2 of 3')).toBeVisible();
  await expect(page).toHaveURL(/[?&]page=2/);
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeFocused();
  expect(searches.length).toBe(1);
  expect(searches[0].htmx).toBe(true);
  await expectNoA11yViolations(page);
});

test.describe('without JavaScript', () => {
  // axe-core runs as a script in the page, so it is not run here; the markup is
  // the same one checked above.
  test.use({ javaScriptEnabled: false });

  test('the search is a plain form and plain links', async ({ page }) => {
    await page.goto('/therapists');
    const main = mainLandmark(page);
    await expect(main.getByRole('button', { name: 'Use my location' })).toBeHidden();
    await main.getByLabel('What would you like help with?').selectOption('vaginismus');
    await main.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/concerns=vaginismus/);
    await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  });
});

test.describe('sorted by soonest available', () => {
  // A visitor far from the practice: times are shown in their own zone.
  test.use({ timezoneId: 'Europe/Berlin' });

  test('cards show the next available time, soonest first, in the visitor’s zone', async ({ page }) => {
    await page.goto('/therapists');
    const main = mainLandmark(page);
    // Before the browser's zone is known, the times are in the therapist's zone, named.
    await expect(main.locator('p.next-free').first()).toContainText('(Eastern Time)');

    await main.getByLabel('Sort by').selectOption('soonest');
    await expect(page).toHaveURL(/sort=soonest/);
    await expect(page).toHaveURL(/tz=Europe%2FBerlin/);
    const cards = main.locator('ul.results > li');
    await expect(cards.first().locator('p.next-free')).toContainText(/^Next available: \w{3}, \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M \(Central European Time\) · /);
    await expect(main.locator('p.next-free', { hasText: 'Eastern Time' })).toHaveCount(0);

    // The same order as the API gives, whose times are instants: earliest first, none last.
    const api = await page.request.get('/api/v1/therapists?sort=soonest&tz=Europe/Berlin');
    const results = (await api.json()).results;
    const names = await cards.locator('h3 a').allTextContents();
    expect(names).toEqual(results.map((r) => r.name));
    const times = results.filter((r) => r.next_available).map((r) => Date.parse(r.next_available.at));
    expect(times.length).toBeGreaterThan(0);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const firstWithout = results.findIndex((r) => !r.next_available);
    if (firstWithout >= 0) {
      expect(results.slice(firstWithout).every((r) => !r.next_available), 'none known last').toBe(true);
    }
    for (const [i, r] of results.entries()) {
      const line = cards.nth(i).locator('p.next-free');
      if (r.next_available) {
        await expect(line).toHaveText(`Next available: ${r.next_available.local} · ${r.next_available.session}`);
      } else {
        await expect(line).toHaveCount(0);
      }
    }
    await expectNoA11yViolations(page);
  });
});
