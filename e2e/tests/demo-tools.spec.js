// The demo's tools beyond the dashboards: people and invitations, practice
// settings and the audit log (owner), the client list and a client record
// (therapist), contact preferences (client), the password-reset flow through
// the demo outbox, and an invalid invitation link. Every page is checked
// with axe.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, EMAIL_LABEL, mainLandmark, signIn } from './helpers.js';

// Signing in as a staff account may wait up to 30 s for a fresh second-step
// code (see passDemoMfa in helpers.js).
test.describe.configure({ timeout: 90_000 });

const h1 = (page) => page.getByRole('heading', { level: 1 });

/** Data rows (rows with at least one `td`) of a table. */
const dataRows = (table) => table.getByRole('row').filter({ has: table.page().getByRole('cell') });

test('owner: people, practice settings, audit log, password page', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.owner);
  const main = mainLandmark(page);

  await page.goto('/people');
  await expect(h1(page)).toHaveText('People');
  // Staff and clients apart.
  const accounts = main.getByRole('region', { name: 'Staff', exact: true }).getByRole('table');
  const clients = main.getByRole('region', { name: 'Clients', exact: true }).getByRole('table');
  await expect(dataRows(clients).filter({ hasText: DEMO_ACCOUNTS.client })).toHaveCount(1);
  await expect(dataRows(accounts).filter({ hasText: DEMO_ACCOUNTS.client })).toHaveCount(0);
  await expect(accounts.getByRole('columnheader', { name: 'Email' })).toBeVisible();
  await expect(dataRows(accounts).filter({ hasText: DEMO_ACCOUNTS.therapist })).toHaveCount(1);
  await expect(dataRows(accounts).filter({ hasText: DEMO_ACCOUNTS.owner })).toHaveCount(1);
  const invite = main.getByRole('region', { name: 'Invite a colleague', exact: true });
  await expect(invite.getByLabel(/^Name\b/)).toBeVisible();
  await expect(invite.getByLabel(EMAIL_LABEL)).toBeVisible();
  await expect(invite.getByLabel(/^Role\b/)).toHaveValue('clinician');
  await expect(invite.getByRole('button', { name: 'Send invitation', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);

  await page.goto('/settings');
  await expect(h1(page)).toHaveText('Practice settings');
  await expect(main.getByLabel(/^Practice name\b/)).not.toHaveValue('');
  await expect(main.getByLabel(/^Time zone\b/)).not.toHaveValue('');
  // Reminder emails are discreet unless the practice opts in.
  await expect(main.getByLabel(/^Say in reminder emails that the appointment is a therapy session/)).not.toBeChecked();
  await expect(main.getByRole('button', { name: 'Save settings', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);

  await page.goto('/audit');
  await expect(h1(page)).toHaveText('Audit log');
  const entries = main.getByRole('table', { name: 'Audit entries, newest first', exact: true });
  expect(await dataRows(entries).count(), 'audit log rows').toBeGreaterThanOrEqual(1);
  // The visit to /people above is in the log, in words.
  await expect(dataRows(entries).filter({ hasText: "Viewed the practice's people" }).first()).toBeVisible();
  await expectNoA11yViolations(page);

  await page.goto('/account/password');
  await expect(h1(page)).toHaveText('Change your password');
  await expect(main.getByLabel(/^Current password\b/)).toHaveAttribute('type', 'password');
  await expect(main.getByLabel(/^New password\b/)).toHaveAttribute('type', 'password');
  await expect(main.getByLabel(/^Repeat the new password\b/)).toHaveAttribute('type', 'password');
  await expectNoA11yViolations(page);
});

test('therapist: client list and a client record', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.therapist);
  const main = mainLandmark(page);

  await page.goto('/clients');
  await expect(h1(page)).toHaveText('Clients');
  const clients = main.getByRole('region', { name: 'Your clients', exact: true });
  const jordan = clients.getByRole('link', { name: 'Jordan Miles', exact: true });
  await expect(jordan).toBeVisible();
  await expectNoA11yViolations(page);

  await jordan.click();
  await expect(page).toHaveURL(/\/clients\/[^/]+$/);
  await expect(h1(page)).toHaveText('Jordan Miles');
  await expect(main.getByRole('region', { name: 'Contact preferences', exact: true })).toBeVisible();
  const notes = main.getByRole('region', { name: 'Your private notes', exact: true });
  await expect(notes.getByLabel(/^New note\b/)).toBeVisible();
  await expectNoA11yViolations(page);
});

test('client: contact preferences page', async ({ page }) => {
  await signIn(page, DEMO_ACCOUNTS.client);

  await page.goto('/me/contact');
  await expect(h1(page)).toHaveText('Your contact preferences');
  const field = mainLandmark(page).getByLabel(/^Contact preferences\b/);
  await expect(field).toBeVisible();
  await expect(mainLandmark(page).getByRole('button', { name: 'Save', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);
});

test('forgotten password: reset link from the demo outbox, then sign in with the new password', async ({ page }) => {
  const email = DEMO_ACCOUNTS.client;
  const newPassword = 'lantern harbor autumn tide';
  const main = mainLandmark(page);

  await page.goto('/forgot-password');
  await expect(h1(page)).toHaveText('Forgot your password?');
  await expectNoA11yViolations(page);
  await main.getByLabel(EMAIL_LABEL).fill(email);
  await main.getByRole('button', { name: 'Send reset link', exact: true }).click();
  await expect(main.getByRole('status')).toContainText('If that address belongs to an account');
  await expectNoA11yViolations(page);

  // Newest first: the first reset message to this address is the one just
  // sent. The job runner sends it a moment after the answer, as real mail
  // arrives: look again until it is there.
  const mail = main
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: 'Reset your password', exact: true }) })
    .filter({ hasText: `To ${email}` })
    .first();
  await expect(async () => {
    await page.goto('/outbox');
    await expect(mail).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15000 });
  await expect(h1(page)).toHaveText('Demo outbox');
  await expectNoA11yViolations(page);
  const link = /https?:\/\/\S+\/reset-password\?token=[0-9A-Za-z_-]+/.exec(await mail.textContent())?.[0];
  expect(link, 'reset link in the email').toBeTruthy();

  await page.goto(link);
  await expect(h1(page)).toHaveText('Choose a new password');
  await expectNoA11yViolations(page);
  await main.getByLabel(/^New password\b/).fill(newPassword);
  await main.getByLabel(/^Repeat the new password\b/).fill(newPassword);
  await main.getByRole('button', { name: 'Save new password', exact: true }).click();
  await expect(h1(page)).toHaveText('Sign in');
  await expect(main.getByRole('status')).toHaveText('Your password was changed. Sign in with the new one.');
  await expectNoA11yViolations(page);

  await signIn(page, email, newPassword);

  // Put the demo password back, so other tests can still sign in as this client.
  await page.goto('/account/password');
  await main.getByLabel(/^Current password\b/).fill(newPassword);
  await main.getByLabel(/^New password\b/).fill(DEMO_PASSWORD);
  await main.getByLabel(/^Repeat the new password\b/).fill(DEMO_PASSWORD);
  await main.getByRole('button', { name: 'Change password', exact: true }).click();
  await expect(main.getByRole('status')).toHaveText('Your password was changed.');
  await expectNoA11yViolations(page);
});

test('an invitation link that does not exist gives an accessible 404 page', async ({ page }) => {
  const response = await page.goto('/join?token=not-a-real-token');
  expect(response?.status()).toBe(404);
  await expect(h1(page)).toHaveText('This link is not valid');
  await expect(mainLandmark(page).getByRole('link', { name: 'Go to the home page' })).toBeVisible();
  await expectNoA11yViolations(page);
});
