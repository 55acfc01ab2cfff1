// A case's page: the care team runs it through its statuses, a couple's
// work starts once its confidentiality policy is chosen, a supervisor reads
// only. On a demo of its own, since choosing a policy and starting the work
// change the demo's couple case.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark, signIn } from './helpers.js';
import { startSensateDemo } from './serve.js';

let demo;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  demo = await startSensateDemo();
});

test.afterAll(async () => {
  await demo?.stop();
});

/** Opens a client's page from the Clients list, then one of their cases. */
async function openCase(page, client, caseLink) {
  const main = mainLandmark(page);
  await page.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Clients', exact: true }).click();
  await main.getByRole('link', { name: client }).click();
  await main.getByRole('link', { name: caseLink }).click();
  await expect(page).toHaveURL(/\/cases\/[0-9a-f-]{36}$/);
  return main;
}

test("a couple's therapist chooses the confidentiality policy, then starts the work", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: demo.baseURL });
  const page = await context.newPage();
  await signIn(page, 'sam.chen@harbor.example');
  const main = await openCase(page, /^Alex/, 'Couple therapy with Sam Chen');
  await expect(main.getByRole('heading', { level: 1 })).toHaveText(/&/);
  await expect(main.locator('.badge').first()).toHaveText('Intake');
  await expect(main.getByText('Not chosen yet.')).toBeVisible();
  await expect(main.getByRole('cell', { name: 'Supervisor (reads only)' })).toBeVisible();
  await expectNoA11yViolations(page);

  // Starting before choosing is refused beside the field; nothing changes.
  await main.getByRole('radio', { name: 'Active', exact: true }).check();
  await main.getByRole('button', { name: 'Change the status', exact: true }).click();
  await expect(main.getByText("Choose the couple's confidentiality policy before clinical work starts.")).toBeVisible();
  await expect(main.locator('.badge').first()).toHaveText('Intake');
  await expectNoA11yViolations(page);

  await main.getByRole('radio', { name: 'Limited secrets', exact: true }).check();
  await main.getByRole('button', { name: 'Save the policy', exact: true }).click();
  await expect(page.getByRole('status').or(page.locator('.notice'))).toContainText('The confidentiality policy was saved.');
  await expect(main.getByText(/^Limited secrets\./)).toBeVisible();
  await main.getByRole('radio', { name: 'Active', exact: true }).check();
  await main.getByRole('button', { name: 'Change the status', exact: true }).click();
  await expect(main.locator('.badge').first()).toHaveText('Active');
  await expectNoA11yViolations(page);
  await context.close();
});

test('a supervisor reads the case on a phone and changes nothing', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, 'dr.rivera@harbor.example');
  // Dr. Rivera treats Alex alone and supervises Sam Chen's couple case.
  await page.getByRole('banner').getByRole('button', { name: 'Menu', exact: true }).click();
  const main = await openCase(page, /^Alex/, 'Couple therapy with Sam Chen');
  await expect(main.getByRole('cell', { name: 'Dr. Elena Rivera' })).toBeVisible();
  await expect(main.getByRole('button', { name: 'Change the status' })).toHaveCount(0);
  await expect(main.getByRole('button', { name: 'Save the policy' })).toHaveCount(0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await expectNoA11yViolations(page);
  await context.close();
});
