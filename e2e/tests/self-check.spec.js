// "Is sex therapy right for me?": the answers stay in the browser. The
// questions that map to filters lead to the therapist search with those
// filters set; the answers about safety and health never leave the page.
import { test, expect } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { expectCommonChrome, mainLandmark } from './helpers.js';

const FILTERS = ['concerns', 'focus', 'format', 'state', 'near'];

/** Every request the page makes, with its URL and body. */
function recordRequests(page) {
  const requests = [];
  page.on('request', (request) => {
    requests.push({ url: new URL(request.url()), body: request.postData() || '', method: request.method() });
  });
  return requests;
}

test('the self-check is reached from the home page and explains sex therapy', async ({ page }) => {
  await page.goto('/');
  const loaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/self-check');
  await mainLandmark(page).getByRole('link', { name: /Take the self-check/ }).click();
  const response = await loaded;
  expect((await response.allHeaders())['set-cookie'], 'the self-check sets no cookie').toBeUndefined();
  await expect(page).toHaveURL(/\/self-check$/);
  await expectCommonChrome(page);
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { level: 1, name: 'Is sex therapy right for me?' })).toBeVisible();
  await expect(main.getByText('No physical contact, ever.')).toBeVisible();
  await expect(main.getByText(/Talk therapy/).first()).toBeVisible();
  await expect(main.getByText(/Homework between sessions/)).toBeVisible();
  await expect(main.getByText(/refers you to a physician/)).toBeVisible();
  await expect(main.getByText('Sex therapy is not an emergency service.')).toBeVisible();
  await expectNoA11yViolations(page);
});

test('answers lead to the search with the filters set, and only the filters are sent', async ({ page }) => {
  await page.goto('/self-check');
  const main = mainLandmark(page);
  const requests = recordRequests(page);

  await main.getByLabel('Yes, or I am not sure').check();
  await expect(main.locator('.advice-urgent')).toContainText('Please get help now');
  await expect(main.locator('.advice-urgent')).toContainText('988');
  await main.getByLabel('No', { exact: true }).check();
  await expect(main.locator('.advice-urgent')).toHaveCount(0);
  await main.getByLabel('Not yet').check();
  await expect(main.locator('#self-check-advice')).toContainText('See a physician about your physical symptoms');
  await main.getByLabel('What would you most like help with?').selectOption('desire-discrepancy');
  await main.getByLabel('With a partner').check();
  await main.getByLabel('By video (telehealth)').check();
  await expect(main.locator('#self-check-advice')).toContainText('Choose your state');
  await main.getByLabel('Which state are you in?').selectOption('NJ');
  await expect(main.locator('#self-check-advice')).toContainText(
    'The search will look for: Mismatched desire in a couple · sees couples · by video · in New Jersey.',
  );
  await expectNoA11yViolations(page);
  expect(requests.filter((r) => r.url.pathname !== '/favicon.ico'), 'answering sends nothing').toEqual([]);

  const link = main.getByRole('link', { name: 'Show therapists who fit' });
  await expect(link).toHaveAttribute(
    'href',
    '/therapists?concerns=desire-discrepancy&focus=couples&format=telehealth&state=NJ',
  );
  await link.click();
  await expect(page).toHaveURL(/\/therapists\?/);
  await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
  await expect(main.getByRole('link', { name: 'Sam Chen' })).toBeVisible();
  // The search form shows the filters.
  await expect(main.getByLabel('What would you like help with?')).toHaveValue('desire-discrepancy');
  await expect(main.getByLabel('By video (telehealth)')).toBeChecked();
  await expect(main.getByLabel('Your state')).toHaveValue('NJ');
  await expect(main.getByLabel('Sees couples')).toBeChecked();

  // No request carried the answers about safety or health.
  for (const request of requests) {
    const sent = `${request.url.search} ${request.body}`;
    expect(sent).not.toMatch(/safety|checkup|not-yet/);
    if (request.url.pathname === '/therapists') {
      for (const key of request.url.searchParams.keys()) expect(FILTERS).toContain(key);
    }
  }
  expect(requests.some((r) => r.url.pathname === '/therapists')).toBe(true);
});

test.describe('without JavaScript', () => {
  // axe-core runs as a script in the page, so it is not run here; the markup is
  // the same one checked above.
  test.use({ javaScriptEnabled: false });

  test('the self-check is a plain search form, and the guidance is all there', async ({ page }) => {
    await page.goto('/self-check');
    const main = mainLandmark(page);
    await expect(main.getByRole('heading', { name: 'If you are in danger or in crisis' })).toBeVisible();
    await expect(main.getByText('see a physician alongside therapy', { exact: false })).toBeVisible();
    const requests = recordRequests(page);
    await main.getByLabel('Yes, or I am not sure').check();
    await main.getByLabel('Not yet').check();
    await main.getByLabel('What would you most like help with?').selectOption('vaginismus');
    await main.getByRole('button', { name: 'Show therapists who fit' }).click();
    await expect(page).toHaveURL(/\/therapists\?/);
    await expect(main.getByRole('heading', { level: 2, name: '1 therapist found' })).toBeVisible();
    const searched = requests.find((r) => r.url.pathname === '/therapists');
    expect([...searched.url.searchParams.keys()].every((key) => FILTERS.includes(key))).toBe(true);
    expect(searched.url.search).not.toMatch(/safety|checkup/);
  });
});
