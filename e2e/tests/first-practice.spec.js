// What a brand-new practice does, against a real `sensate serve` (not the
// demo) over a fresh data directory: the owner sets up the practice with the
// one-time link and enrols two-step sign-in; invites a therapist, who joins,
// enrols, signs out and back in; the therapist invites a couple; one partner
// joins and records contact preferences; the therapist reads them and writes
// a private note. Every page visited, error states included, is checked with
// axe.
//
// No SMTP server is configured, so invitation links are shown on the page
// ("not emailed") and the test follows them from there.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark } from './helpers.js';
import { startSensateServe } from './serve.js';
import { msUntilNextStep, stepAt, totp, wrongCode } from './totp.js';

const PRACTICE = 'First Light Counseling';
const OWNER = { name: 'Olivia Owner', email: 'owner@first.example', password: 'quiet river morning light' };
const ROBIN = { name: 'Robin Therapist', email: 'robin@first.example', password: 'tall pine evening rain' };
const SAM = { name: 'Sam Client', email: 'sam@first.example', password: 'open window summer breeze' };
const ALEX = { name: 'Alex Partner', email: 'alex@first.example' };
const CONTACT = 'Email only, please; no voicemail.';
const NOTE = 'First session planned.';
const ROBIN_PROFILE = {
  headline: 'Practical help with desire and intimacy, for individuals and couples',
  concern: 'Mismatched desire in a couple',
  concernSlug: 'desire-discrepancy',
  payer: 'Aetna',
  licence: 'NY-LMFT-004711',
};
/** A 1×1 PNG, as a stand-in for a portrait. */
const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let server;

test.beforeAll(async () => {
  server = await startSensateServe();
});

test.afterAll(async () => {
  await server?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (server && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('sensate serve output', { body: server.output(), contentType: 'text/plain' });
  }
});

/** An absolute URL on the `sensate serve` under test. */
const at = (path) => `${server.baseURL}${path}`;

/** Matches the URL of a path on the server under test (ignoring a `#fragment`). */
const urlOf = (path) => new RegExp(`^${(server.baseURL + path).replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}(#.*)?$`);

const h1 = (page) => page.getByRole('heading', { level: 1 });

async function signOut(page) {
  await page.getByRole('banner').getByRole('button', { name: /^Sign out\b/ }).click();
  await expect(page).toHaveURL(urlOf('/'));
  await expectNoA11yViolations(page);
}

/**
 * Enrols two-step sign-in on the enrolment page: a wrong code first (error
 * shown), then the code computed from the setup key; checks the recovery
 * codes and continues to the dashboard. Returns the setup key and the time
 * step whose code was used (a later sign-in needs a newer one).
 */
async function enrolMfa(page) {
  const main = mainLandmark(page);
  await expect(page).toHaveURL(urlOf('/mfa'));
  await expect(h1(page)).toHaveText('Set up two-step sign-in');
  await expect(main.getByRole('img', { name: /QR/i })).toBeVisible();
  await expect(main.locator('svg[role="img"]')).toHaveCount(1);
  const secret = (await main.locator('code.setup-key').textContent()).trim();
  expect(secret, 'setup key').toMatch(/^[A-Z2-7]{16,}=*$/);
  await expectNoA11yViolations(page);

  const code = main.getByLabel(/^Code from your app\b/);
  const confirm = main.getByRole('button', { name: 'Confirm and continue', exact: true });
  await code.fill(wrongCode(secret));
  await confirm.click();
  await expect(main.getByRole('alert')).toContainText('That code is not right');
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await expect(main.locator('code.setup-key'), 'the setup key stays the same').toHaveText(secret);
  await expectNoA11yViolations(page);

  const step = stepAt();
  await code.fill(totp(secret, step));
  await confirm.click();
  await expect(h1(page)).toHaveText('Your recovery codes');
  await expect(main.locator('.recovery-codes').getByRole('listitem')).toHaveCount(10);
  await expectNoA11yViolations(page);

  await main.getByRole('link', { name: /continue/ }).click();
  await expect(page).toHaveURL(urlOf('/dashboard'));
  return { secret, step };
}

/** The start page ("Today" for staff, "Home" for clients), with the tools this person may use. */
async function expectDashboard(page, title, ...tools) {
  await expect(page).toHaveURL(urlOf('/dashboard'));
  await expect(h1(page)).toHaveText(title);
  const toolbox = page.getByRole('navigation', { name: 'Your tools', exact: true });
  await expect(toolbox).toBeVisible();
  for (const tool of tools) {
    await expect(toolbox.getByRole('link', { name: tool, exact: true })).toBeVisible();
  }
  await expectNoA11yViolations(page);
  return toolbox;
}

/** Signs in with email and password; staff land on the second step. */
async function signIn(page, { email, password }, { goTo = true } = {}) {
  if (goTo) await page.goto(at('/login'));
  await expect(h1(page)).toHaveText('Sign in');
  await expectNoA11yViolations(page);
  const main = mainLandmark(page);
  await main.getByLabel(/^Email address\b/).fill(email);
  await main.getByLabel(/^Password\b/).fill(password);
  await main.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * The second sign-in step with a code from the app. A code is accepted
 * once, and no code older than the last one used: wait for a newer time
 * step than `lastStep` if need be.
 */
async function passMfa(page, { secret, lastStep }) {
  const main = mainLandmark(page);
  await expect(page).toHaveURL(urlOf('/mfa'));
  await expect(h1(page)).toHaveText('Confirm it is you');
  await expectNoA11yViolations(page);
  if (stepAt() <= lastStep) {
    await page.waitForTimeout(msUntilNextStep() + 250);
  }
  const step = stepAt();
  await main.getByLabel(/^Code\b/).fill(totp(secret, step));
  await main.getByRole('button', { name: 'Continue', exact: true }).click();
  return step;
}

/** Fills a password and its confirmation (join and set-up forms). */
async function choosePassword(main, password, confirmation = password) {
  await main.getByLabel(/^Password\b/).fill(password);
  await main.getByLabel(/^Repeat the password\b/).fill(confirmation);
}

/** The link shown for `email` in the "Invitation links" box. */
async function invitationLink(main, email) {
  const box = main.getByRole('region', { name: 'Invitation links', exact: true });
  const item = box.getByRole('listitem').filter({ hasText: email });
  await expect(item).toContainText('not emailed');
  const link = (await item.locator('code').textContent()).trim();
  expect(link, `invitation link for ${email}`).toMatch(/\/join\?token=[^\s&]+$/);
  return link;
}

test('a new practice: set-up, a therapist, a client, a private note', async ({ browser, page }) => {
  test.setTimeout(180_000);
  const contexts = [];
  const newPage = async () => {
    const context = await browser.newContext();
    contexts.push(context);
    return context.newPage();
  };

  try {
    let robinLink;
    let samLink;
    let robin;
    let robinMfa;
    let ownerMfa;

    await test.step('the owner sets up the practice with the one-time link', async () => {
      const main = mainLandmark(page);
      const response = await page.goto(server.setupLink);
      expect(response?.status()).toBe(200);
      await expect(h1(page)).toHaveText('Set up your practice');
      await expectNoA11yViolations(page);

      await main.getByLabel(/^Practice name\b/).fill(PRACTICE);
      await main.getByLabel(/^Your name\b/).fill(OWNER.name);
      await main.getByLabel(/^Email address\b/).fill('owner-at-first.example');
      await choosePassword(main, 'short');
      const create = main.getByRole('button', { name: 'Create practice and sign in', exact: true });
      await create.click();

      const summary = main.getByRole('alert');
      await expect(summary.getByRole('heading', { name: 'Please correct the following' })).toBeVisible();
      const email = main.getByLabel(/^Email address\b/);
      const password = main.getByLabel(/^Password\b/);
      await expect(email).toHaveAttribute('aria-invalid', 'true');
      await expect(password).toHaveAttribute('aria-invalid', 'true');
      await expect(password).toHaveAccessibleDescription(/Use at least 8 characters/);
      await expect(summary.getByRole('link')).toHaveCount(2);
      await expect(main.getByLabel(/^Practice name\b/), 'the practice name is kept').toHaveValue(PRACTICE);
      await expect(email).toHaveValue('owner-at-first.example');
      await expectNoA11yViolations(page);

      await main.getByLabel(/^Time zone\b/).selectOption('Europe/Berlin');
      await email.fill(OWNER.email);
      await choosePassword(main, OWNER.password);
      await create.click();
      await expect(page).toHaveURL(urlOf('/mfa'));
    });

    await test.step('the owner enrols two-step sign-in', async () => {
      ownerMfa = await enrolMfa(page);
      await expectDashboard(page, 'Today', 'People and invitations', 'Practice settings', 'Audit log');
      await expect(mainLandmark(page)).toContainText(PRACTICE);
      await expect(mainLandmark(page)).toContainText('(Central European Time)');
    });

    await test.step('the owner invites a therapist and signs out', async () => {
      await page.getByRole('link', { name: 'People and invitations', exact: true }).click();
      await expect(page).toHaveURL(urlOf('/people'));
      await expect(h1(page)).toHaveText('People');
      await expectNoA11yViolations(page);

      const main = mainLandmark(page);
      await main.getByLabel(/^Name\b/).fill(ROBIN.name);
      await main.getByLabel(/^Email address\b/).fill(ROBIN.email);
      await main.getByLabel(/^Role\b/).selectOption('clinician');
      await main.getByRole('button', { name: 'Send invitation', exact: true }).click();
      await expect(main.getByRole('status')).toHaveText(`Invitation created for ${ROBIN.email}. Email is not set up, so give them the link below.`);
      robinLink = await invitationLink(main, ROBIN.email);
      expect(robinLink.startsWith(at('/join?token=')), `${robinLink} points at this server`).toBe(true);
      await expectNoA11yViolations(page);

      await signOut(page);

      // The set-up link worked once.
      const again = await page.goto(server.setupLink);
      expect(again?.status()).toBe(404);
      await expect(h1(page)).toHaveText('This set-up link is not valid');
      await expectNoA11yViolations(page);
    });

    await test.step('the therapist joins and enrols two-step sign-in', async () => {
      robin = await newPage();
      const main = mainLandmark(robin);
      await robin.goto(robinLink);
      await expect(h1(robin)).toHaveText(`Join ${PRACTICE}`);
      await expect(main).toContainText(ROBIN.email);
      await expectNoA11yViolations(robin);

      await choosePassword(main, ROBIN.password, 'tall pine evening');
      const create = main.getByRole('button', { name: 'Create account', exact: true });
      await create.click();
      await expect(main.getByText('The two passwords do not match.').first()).toBeVisible();
      await expect(main.getByLabel(/^Repeat the password\b/)).toHaveAttribute('aria-invalid', 'true');
      await expectNoA11yViolations(robin);

      await choosePassword(main, ROBIN.password);
      await create.click();
      // Accepted: the sign-in page says so, the same whoever had an account.
      await expect(robin).toHaveURL(urlOf('/login?done=joined'));
      await expect(main.getByRole('status')).toContainText('Sign in with your email address and the password you chose');
      await signIn(robin, ROBIN, { goTo: false });
      robinMfa = await enrolMfa(robin);
      await expectDashboard(robin, 'Today', 'Your clients');
    });

    await test.step('the therapist signs out and in again with a fresh code', async () => {
      await signOut(robin);
      await signIn(robin, ROBIN);
      await passMfa(robin, { secret: robinMfa.secret, lastStep: robinMfa.step });
      await expectDashboard(robin, 'Today', 'Your clients');
    });

    await test.step('the therapist invites a couple', async () => {
      await robin.getByRole('link', { name: 'Your clients', exact: true }).click();
      await expect(robin).toHaveURL(urlOf('/clients'));
      await expect(h1(robin)).toHaveText('Clients');
      await expectNoA11yViolations(robin);

      const main = mainLandmark(robin);
      await main.getByLabel(/^Therapy for\b/).selectOption('couple');
      await main.getByLabel(/^Client's name\b/).fill(SAM.name);
      await main.getByLabel(/^Client's email address\b/).fill(SAM.email);
      await main.getByLabel(/^Partner's name\b/).fill(ALEX.name);
      await main.getByLabel(/^Partner's email address\b/).fill(ALEX.email);
      await main.getByRole('button', { name: 'Send invitation', exact: true }).click();
      await expect(main.getByRole('status')).toContainText('Invitation created for');
      const box = main.getByRole('region', { name: 'Invitation links', exact: true });
      await expect(box.getByRole('listitem')).toHaveCount(2);
      samLink = await invitationLink(main, SAM.email);
      const alexLink = await invitationLink(main, ALEX.email);
      expect(alexLink, 'each partner has their own link').not.toBe(samLink);
      await expectNoA11yViolations(robin);
    });

    await test.step('the client joins and records contact preferences', async () => {
      const sam = await newPage();
      const main = mainLandmark(sam);
      await sam.goto(samLink);
      await expect(h1(sam)).toHaveText(`Join ${PRACTICE}`);
      await expectNoA11yViolations(sam);

      await choosePassword(main, SAM.password);
      await main.getByRole('button', { name: 'Create account', exact: true }).click();
      await expect(sam).toHaveURL(urlOf('/login?done=joined'));
      await signIn(sam, SAM, { goTo: false });
      // Clients have no second sign-in step.
      const tools = await expectDashboard(sam, 'Home', 'Your contact preferences');
      await expect(main.getByRole('heading', { level: 2, name: 'Your upcoming appointments' })).toBeVisible();

      await tools.getByRole('link', { name: 'Your contact preferences', exact: true }).click();
      await expect(h1(sam)).toHaveText('Your contact preferences');
      await expectNoA11yViolations(sam);
      await main.getByLabel(/^Contact preferences\b/).fill(CONTACT);
      await main.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(main.getByRole('status')).toHaveText('Saved.');
      await expect(main.getByLabel(/^Contact preferences\b/)).toHaveValue(CONTACT);
      await expectNoA11yViolations(sam);

      await signOut(sam);
      await sam.goto(at('/dashboard'));
      await expect(sam).toHaveURL(urlOf('/login'));
      await expectNoA11yViolations(sam);
    });

    await test.step('the therapist reads the client record and writes a note', async () => {
      await robin.goto(at('/clients'));
      const main = mainLandmark(robin);
      const clients = main.getByRole('region', { name: 'Your clients', exact: true });
      await expectNoA11yViolations(robin);
      await clients.getByRole('link', { name: SAM.name, exact: true }).click();
      await expect(h1(robin)).toHaveText(SAM.name);
      const contact = main.getByRole('region', { name: 'Contact preferences', exact: true });
      await expect(contact.locator('p', { hasText: CONTACT })).toBeVisible();
      const notes = main.getByRole('region', { name: 'Your private notes', exact: true });
      await expect(notes).toContainText('No notes yet.');
      await expectNoA11yViolations(robin);

      await notes.getByLabel(/^New note\b/).fill(NOTE);
      await notes.getByRole('button', { name: 'Save note', exact: true }).click();
      await expect(main.getByRole('status')).toHaveText('Note saved.');
      await expect(notes.getByRole('listitem').filter({ hasText: NOTE })).toHaveCount(1);
      await expectNoA11yViolations(robin);
    });

    await test.step('the therapist fills in the directory profile, a photo and a licence', async () => {
      await robin.goto(at('/dashboard'));
      await robin.getByRole('link', { name: 'Your directory profile', exact: true }).click();
      await expect(h1(robin)).toHaveText('Your directory profile');
      const main = mainLandmark(robin);
      await expect(main.getByRole('status').first()).toContainText('Not listed yet');
      await expectNoA11yViolations(robin);

      await main.getByLabel(/^Headline\b/).fill(ROBIN_PROFILE.headline);
      await main.getByLabel(/^Approach, in your own words\b/).fill('Unhurried, practical sessions with exercises between them.');
      await main.getByLabel(ROBIN_PROFILE.concern).check();
      await main.getByLabel('Couples and partners').check();
      await main.getByLabel(ROBIN_PROFILE.payer, { exact: true }).check();
      await main.getByLabel(/^Lowest session fee\b/).fill('abc');
      await main.getByRole('button', { name: 'Save profile', exact: true }).click();
      // A mistake is explained beside its field; what was typed stays.
      const fee = main.getByLabel(/^Lowest session fee\b/);
      await expect(fee).toHaveAttribute('aria-invalid', 'true');
      await expect(main.getByRole('alert')).toContainText('Enter the fee in dollars');
      await expect(main.getByLabel(/^Headline\b/)).toHaveValue(ROBIN_PROFILE.headline);
      await expectNoA11yViolations(robin);
      await fee.fill('140');
      await main.getByRole('button', { name: 'Save profile', exact: true }).click();
      await expect(main.getByRole('status').first()).toHaveText('Profile saved.');
      await expect(main.getByLabel(ROBIN_PROFILE.concern)).toBeChecked();

      await main.getByLabel(/^Upload a photo\b/).setInputFiles({ name: 'robin.png', mimeType: 'image/png', buffer: Buffer.from(ONE_PIXEL_PNG, 'base64') });
      await main.getByRole('button', { name: 'Upload photo', exact: true }).click();
      await expect(main.getByRole('status').first()).toContainText('Photo saved.');
      await expect(main.getByRole('img', { name: `Current photo of ${ROBIN.name}` })).toBeVisible();

      const licences = main.getByRole('region', { name: 'Licences', exact: true });
      await licences.getByLabel('Licence type').selectOption('lmft');
      await licences.getByLabel('Issuing state').selectOption('US-NY');
      await licences.getByLabel('Licence number').fill(ROBIN_PROFILE.licence);
      await licences.getByLabel(/^Valid through\b/).fill('2028-06-30');
      await licences.getByRole('button', { name: 'Add licence', exact: true }).click();
      await expect(main.getByRole('status').first()).toContainText('Licence added.');
      await expect(licences.getByRole('listitem')).toContainText('Awaiting verification');
      await expect(licences.getByRole('button', { name: 'Record verification' })).toHaveCount(0);
      await expect(main.getByText('waiting for an owner or admin of the practice to verify it')).toBeVisible();
      await expectNoA11yViolations(robin);
    });

    await test.step('the owner verifies the licence and the profile appears in the directory', async () => {
      await signIn(page, OWNER);
      await passMfa(page, ownerMfa);
      await expectDashboard(page, 'Today', 'Directory profiles and verification');
      await page.getByRole('link', { name: 'Directory profiles and verification', exact: true }).click();
      await expect(h1(page)).toHaveText('Directory profiles');
      const main = mainLandmark(page);
      await expect(main.getByRole('row', { name: new RegExp(ROBIN.name) })).toContainText('licence awaiting verification');
      await expectNoA11yViolations(page);
      const awaiting = main.getByRole('region', { name: 'Awaiting verification', exact: true });
      await expect(awaiting).toContainText(`no. ${ROBIN_PROFILE.licence}`);
      await awaiting.getByLabel('How you checked it').fill('New York Office of the Professions online register');
      await awaiting.getByRole('button', { name: /^Record verification\b/ }).click();
      await expect(main.getByRole('status')).toHaveText('Verification recorded.');
      await expect(main.getByRole('row', { name: new RegExp(ROBIN.name) })).toContainText('Listed (licence current through 2028-06-30)');
      await expect(awaiting).toContainText('Nothing is waiting');
      await expectNoA11yViolations(page);

      // A visitor now finds the profile, and why it matches.
      const visitor = await newPage();
      await visitor.goto(at(`/therapists?concerns=${ROBIN_PROFILE.concernSlug}&format=telehealth&state=US-NY&insurance=aetna`));
      const result = mainLandmark(visitor).getByRole('listitem').filter({ hasText: ROBIN.name });
      await expect(result).toContainText('In network with Aetna');
      await result.getByRole('link', { name: new RegExp(ROBIN.name) }).click();
      await expect(h1(visitor)).toContainText(ROBIN.name);
      await expect(mainLandmark(visitor)).toContainText(ROBIN_PROFILE.headline);
      await expect(mainLandmark(visitor)).toContainText(/licence verified on \d{1,2} \w+ \d{4}/);
      await expect(mainLandmark(visitor).getByRole('img', { name: `Photo of ${ROBIN.name}` })).toBeVisible();
      await expectNoA11yViolations(visitor);
    });
  } finally {
    for (const context of contexts) await context.close();
  }
});
