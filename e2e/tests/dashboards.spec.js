// Role-specific dashboards for the practice owner and for a client.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, countItemsAfter, expectCommonChrome, signIn } from './helpers.js';

test('practice owner sees the practice overview and therapists', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.owner);

  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Practice overview', exact: true })).toBeVisible();
  const therapists = page.getByRole('heading', { level: 2, name: 'Therapists', exact: true });
  await expect(therapists).toBeVisible();
  expect(await countItemsAfter(therapists), 'therapists listed').toBeGreaterThanOrEqual(3);
  await expectNoA11yViolations(page);
  await expectCommonChrome(page);
});

test('client sees their upcoming appointments', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.client);

  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const upcoming = page.getByRole('heading', { level: 2, name: 'Your upcoming appointments', exact: true });
  await expect(upcoming).toBeVisible();
  expect(await countItemsAfter(upcoming), 'upcoming appointments listed').toBeGreaterThanOrEqual(1);
  await expectNoA11yViolations(page);
  await expectCommonChrome(page);
});

/** The links of the signed-in menu, in order. */
async function menuLinks(page) {
  return page.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link').allInnerTexts();
}

test("the app menu holds a therapist's work and folds behind a button on a phone", async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.therapist);
  const menu = page.getByRole('navigation', { name: 'Main', exact: true });
  const today = menu.getByRole('link', { name: 'Today', exact: true });
  await expect(today).toHaveAttribute('aria-current', 'page');
  // The Today page: the day's sessions, and beside them on a desktop what needs attention.
  const sessions = page.getByRole('heading', { level: 2, name: "Today's sessions", exact: true });
  const attention = page.getByRole('heading', { level: 2, name: 'Needs your attention', exact: true });
  await expect(sessions).toBeVisible();
  await expect(attention).toBeVisible();
  const [left, right] = [await sessions.boundingBox(), await attention.boundingBox()];
  expect(right.x, 'attention sits beside the sessions at 1280 px').toBeGreaterThan(left.x + left.width / 2);
  await expectNoA11yViolations(page);
  const links = (await menuLinks(page)).map((text) => text.replace(/\s+\d+\s+waiting$/, ''));
  expect(links).toEqual(['Today', 'Calendar', 'Requests', 'Clients', 'Profiles']);
  // The public site's links stay on the public site.
  await expect(menu.getByRole('link', { name: 'Find a therapist' })).toHaveCount(0);

  await menu.getByRole('link', { name: 'Calendar', exact: true }).click();
  await expect(page).toHaveURL(/\/calendar$/);
  await expect(menu.getByRole('link', { name: 'Calendar', exact: true })).toHaveAttribute('aria-current', 'page');

  await page.setViewportSize({ width: 390, height: 844 });
  const toggle = page.getByRole('banner').getByRole('button', { name: 'Menu', exact: true });
  await expect(toggle).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeHidden();
  // The brand, the button and the banner leave most of a phone's screen to the page.
  const header = await page.getByRole('banner').boundingBox();
  expect(header.y + header.height, 'header bottom on a phone').toBeLessThan(140);

  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(menu.getByRole('link', { name: 'Today', exact: true })).toBeFocused();
  await expect(menu.getByRole('button', { name: /^Sign out\b/ })).toBeVisible();
  await expectNoA11yViolations(page);
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(toggle).toBeFocused();
});

test('the menu follows the role: a client has a home, an owner the practice', async ({ browser }) => {
  const clientContext = await browser.newContext();
  const client = await clientContext.newPage();
  await signIn(client, DEMO_ACCOUNTS.client);
  expect(await menuLinks(client)).toEqual(['Home', 'Messages', 'Documents']);
  await expect(client.getByRole('heading', { level: 1 })).toHaveText('Home');
  await clientContext.close();

  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signIn(owner, DEMO_ACCOUNTS.owner);
  expect(await menuLinks(owner)).toEqual(['Today', 'Calendar', 'People', 'Profiles', 'Settings', 'Audit']);
  await owner.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Audit', exact: true }).click();
  await expect(owner).toHaveURL(/\/audit$/);
  await expectNoA11yViolations(owner);
  await ownerContext.close();
});

for (const [width, height] of [[390, 844], [1280, 900]]) {
  test(`the owner reads the audit log by names and plain words at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await signIn(page, DEMO_ACCOUNTS.owner);
    await page.goto('/audit');
    const main = page.getByRole('main');
    await main.getByLabel('Action').selectOption({ label: 'Signed in' });
    await main.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page).toHaveURL(/action=login/);
    const rows = main.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });
    await expect(rows.first()).toContainText('Signed in');
    await expect(rows.first()).toContainText('Maya Okafor');
    // No ids where a reader expects a name.
    await expect(main.getByRole('table')).not.toContainText(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    await expectNoA11yViolations(page);
    const shot = testInfo.outputPath(`audit-${width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach(`audit-${width}`, { path: shot, contentType: 'image/png' });
  });
}
