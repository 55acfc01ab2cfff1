// "Use my location" in the therapist search: the browser's position (here a
// fake one in Brooklyn Heights) fills the search, rounded, and the results
// come nearest first. Refusing to share is answered politely. The position
// goes into the search request and nowhere else.
import { test, expect } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark } from './helpers.js';

const BROOKLYN_HEIGHTS = { latitude: 40.6959, longitude: -73.9936 };

test('a visitor shares their position and sees the nearest therapists first', async ({ page, context }) => {
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation(BROOKLYN_HEIGHTS);
  const sent = [];
  page.on('request', (request) => {
    if (request.url().includes('40.69') || request.url().includes('40.70') || (request.postData() || '').includes('40.')) {
      sent.push(request);
    }
  });

  await page.goto('/therapists');
  const main = mainLandmark(page);
  const button = main.getByRole('button', { name: 'Use my location' });
  await expect(button).toBeVisible();
  await expect(main.getByText('rounded to about a kilometre, used for this search only, and not stored')).toBeVisible();
  await button.click();

  await expect(main.getByRole('heading', { level: 2, name: '2 therapists found' })).toBeVisible();
  await expect(page).toHaveURL(/[?&]lat=40\.70&lon=-73\.99(&|$)/);
  await expect(page).toHaveURL(/[?&]sort=distance/);
  await expect(main.getByLabel('Sort by')).toHaveValue('distance');
  await expect(main.getByText('Searching near your location, nearest first.')).toBeVisible();
  const names = await main.locator('ul.results > li h3 a').allTextContents();
  expect(names).toEqual(['Daniel Levi', 'Dr. Elena Rivera']);
  const why = await main.locator('ul.results p.why').allTextContents();
  const km = why.map((line) => Number(/In person, ([\d.]+) km/.exec(line)[1]));
  expect(km[0]).toBeLessThan(km[1]);
  await expectNoA11yViolations(page);

  // Only the search itself carried the position, rounded.
  expect(sent.length).toBeGreaterThan(0);
  for (const request of sent) {
    const url = new URL(request.url());
    expect(url.pathname).toBe('/therapists');
    expect(request.method()).toBe('GET');
    expect(url.searchParams.get('lat')).toBe('40.70');
  }

  // Typing a place replaces the position.
  await main.getByLabel(/^Near/).fill('10001');
  await main.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(/near=10001/);
  await expect(page).not.toHaveURL(/lat=/);
  await expect(main.getByRole('heading', { name: 'Some filters were left out' })).toHaveCount(0);
  await expect(main.locator('ul.results > li h3 a').first()).toHaveText('Dr. Elena Rivera');
});

test('a visitor who does not share their position is told so, politely', async ({ page, context }) => {
  await context.clearPermissions();
  await page.goto('/therapists');
  const main = mainLandmark(page);
  await main.getByRole('button', { name: 'Use my location' }).click();
  await expect(main.locator('#location-status')).toHaveText(
    /did not share your location|could not be found just now/,
  );
  await expect(main.locator('#location-status')).toContainText('type a ZIP code or city instead');
  await expect(page).not.toHaveURL(/lat=/);
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeVisible();
  await expectNoA11yViolations(page);
});

test('a shared link with a position explains it and offers to drop it', async ({ page }) => {
  await page.goto('/therapists?lat=40.70&lon=-73.99&sort=distance');
  const main = mainLandmark(page);
  await expect(main.getByText('Searching near the position your browser shared.')).toBeVisible();
  await expect(main.getByRole('heading', { level: 2, name: '2 therapists found' })).toBeVisible();
  await expectNoA11yViolations(page);
  await main.getByRole('link', { name: 'Search without it' }).click();
  await expect(page).not.toHaveURL(/lat=/);
  await expect(main.getByRole('heading', { level: 2, name: '3 therapists found' })).toBeVisible();
  await expect(main.getByText('Searching near the position')).toHaveCount(0);
});
