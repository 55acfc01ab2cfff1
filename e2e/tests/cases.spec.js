// A case's page: the care team runs it through its statuses, a couple's
// work starts once its confidentiality policy is chosen, a supervisor reads
// only. On a demo of its own, since choosing a policy and starting the work
// change the demo's couple case.

import { expect, test } from '@playwright/test';
import { expectNoA11yViolations } from './a11y.js';
import { mainLandmark, signIn, tabTo } from './helpers.js';
import { downloadPdf } from './pdf.js';
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

/** A partner signs the couple's policy on a phone, from their home page. */
async function signPolicyOnPhone(browser, email, name) {
  const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, email);
  const main = mainLandmark(page);
  await expect(main.getByRole('heading', { level: 2, name: 'To complete', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);
  await main.getByRole('link', { name: 'Sign: How we keep what one partner shares alone' }).click();
  await expect(main.getByText('The policy for your therapy: Limited secrets.', { exact: false })).toBeVisible();
  await expectNoA11yViolations(page);
  // A name that is not theirs signs nothing, and says why beside the field.
  await main.getByLabel(/^Your full name/).fill('Someone Else');
  await main.getByRole('checkbox', { name: /I have read this document/ }).check();
  await main.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(main.getByText(/it must include/)).toBeVisible();
  await expectNoA11yViolations(page);
  await main.getByLabel(/^Your full name/).fill(name);
  await main.getByRole('checkbox', { name: /I have read this document/ }).check();
  await main.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page).toHaveURL(/\/me\/consents\?done=signed$/);
  const signed = main.getByRole('heading', { level: 2, name: 'Signed', exact: true });
  await expect(signed).toBeVisible();
  await expect(main.getByRole('link', { name: 'How we keep what one partner shares alone' })).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await expectNoA11yViolations(page);
  // The signed copy: the text as signed, with its fingerprint.
  await main.getByRole('link', { name: 'How we keep what one partner shares alone' }).click();
  await expect(main.getByText('Fingerprint of the text (SHA-256)')).toBeVisible();
  await expectNoA11yViolations(page);
  // The same copy as a PDF to keep: a neutral file name and title, and
  // text a reader can search and read aloud, fingerprint included.
  const fingerprint = (await main.locator('code').first().textContent()).trim();
  const pdf = await downloadPdf(page, main.getByRole('link', { name: 'Download as PDF' }));
  expect(pdf.fileName).toMatch(/^signed-document-\d{4}-\d{2}-\d{2}\.pdf$/);
  expect(pdf.title).toBe('Signed document');
  expect(pdf.bookmarks).toEqual(['How we keep what one partner shares alone']);
  expect(pdf.text).toContain('The policy for your therapy: Limited secrets.');
  expect(pdf.text).toContain(`Signed by ${name}`);
  expect(pdf.text).toContain(fingerprint);
  await context.close();
}

/** A partner signs the consent to therapy and answers the intake privately, on a phone. */
async function answerIntakeOnPhone(browser, email, name) {
  const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, email);
  const main = mainLandmark(page);
  await main.getByRole('link', { name: 'Sign: Consent to sex therapy' }).click();
  await main.getByLabel(/^Your full name/).fill(name);
  await main.getByRole('checkbox', { name: /I have read this document/ }).check();
  await main.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page).toHaveURL(/\/me\/consents\?done=signed$/);
  await page.goto('/dashboard');
  await main.getByRole('link', { name: 'Answer the questions before your first sessions' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Before your first sessions');
  await expectNoA11yViolations(page);
  await main.getByLabel('What would you like to be different?').fill('Feel close again without pressure.');
  await main.getByRole('checkbox', { name: 'Antidepressants (for example SSRIs or SNRIs)' }).check();
  await main.getByRole('button', { name: 'Save and finish later', exact: true }).click();
  await expect(page.locator('.notice')).toContainText('Saved. You can come back and finish later.');
  await expect(main.getByLabel('What would you like to be different?')).toHaveValue('Feel close again without pressure.');
  await main.getByRole('radio', { name: 'I would rather talk about it in a session' }).check();
  await main.getByRole('button', { name: 'Send to my therapist', exact: true }).click();
  await expect(page.locator('.notice')).toContainText('Sent to your therapist.');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await expectNoA11yViolations(page);
  await context.close();
}

/** A 4×4 PNG, as a phone's photo of a worksheet would be (only bigger). */
const WORKSHEET_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGM4UREARwzEcQCR0hkB/rK5kAAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A partner opens Messages on a phone; writes privately to the care team
 * when `text` is given, first trying a file of the wrong kind, then with a
 * picture attached.
 */
async function messagesOnPhone(browser, email, text) {
  const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, email);
  await page.getByRole('banner').getByRole('button', { name: 'Menu', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main', exact: true }).getByRole('link', { name: 'Messages', exact: true }).click();
  const main = mainLandmark(page);
  await main.getByRole('link', { name: 'With Sam Chen' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Messages');
  if (text) {
    await main.getByRole('radio', { name: 'The care team only', exact: true }).check();
    await main.getByLabel('Message', { exact: true }).fill(text);
    const file = main.getByLabel('Attach a file (optional)');
    await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('plain text') });
    await main.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(main.getByText('Attach a PDF, a PNG or a JPEG file.')).toBeVisible();
    await expect(main.getByLabel('Message', { exact: true })).toHaveValue(text);
    await expectNoA11yViolations(page);
    await main.getByRole('radio', { name: 'The care team only', exact: true }).check();
    await file.setInputFiles({ name: 'worksheet.png', mimeType: 'image/png', buffer: WORKSHEET_PNG });
    await main.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page.locator('.notice')).toContainText('Sent.');
    await expect(main.getByText(text)).toBeVisible();
    await expect(main.getByRole('link', { name: /^Attached: worksheet\.jpg · 1 KB$/ })).toBeVisible();
  }
  await expectNoA11yViolations(page);
  const body = await main.innerText();
  await context.close();
  return body;
}

test("a couple's work starts once the policy is chosen and both partners signed it", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: demo.baseURL });
  const page = await context.newPage();
  await signIn(page, 'sam.chen@harbor.example');
  const main = await openCase(page, /^Alex/, 'Couple therapy with Sam Chen');
  const caseUrl = page.url();
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
  await expect(page.locator('.notice')).toContainText('The confidentiality policy was saved.');
  await expect(main.getByText(/^Limited secrets\./)).toBeVisible();
  await main.getByRole('radio', { name: 'Active', exact: true }).check();
  await main.getByRole('button', { name: 'Change the status', exact: true }).click();
  await expect(main.getByText('Both partners sign the confidentiality policy before clinical work starts.')).toBeVisible();

  await signPolicyOnPhone(browser, 'alex@client.example', 'Alex Kim');
  await signPolicyOnPhone(browser, 'riley@client.example', 'Riley Kim');

  await answerIntakeOnPhone(browser, 'riley@client.example', 'Riley Kim');

  await page.goto(caseUrl);
  // Riley's answers are there to read, flags first; Alex's draft stays Alex's.
  await expect(main.getByText(/Alex Kim: Draft, saved/)).toBeVisible();
  await expect(main.getByRole('link', { name: "Read Alex Kim’s answers" })).toBeVisible();
  await main.getByRole('link', { name: "Read Riley Kim’s answers" }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Intake: Riley Kim');
  await expect(main.getByText(/Consider a referral to a physician\./)).toBeVisible();
  await expect(main.getByText(/pace the work/)).toBeVisible();
  await expectNoA11yViolations(page);
  // Alex writes to the therapist alone; Riley never sees it; the therapist does.
  const privately = 'I would like to talk about something on my own first.';
  await messagesOnPhone(browser, 'alex@client.example', privately);
  const rileySees = await messagesOnPhone(browser, 'riley@client.example');
  expect(rileySees).not.toContain(privately);
  expect(rileySees).not.toContain('worksheet');
  await page.goto(caseUrl);
  await main.getByRole('link', { name: 'Messages', exact: true }).click();
  await expect(main.getByText(privately)).toBeVisible();
  // The picture Alex attached downloads as a JPEG saved afresh.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    main.getByRole('link', { name: /^Attached: worksheet\.jpg/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('worksheet.jpg');
  await expect(main.getByText(/To Alex Kim and the care team/)).toBeVisible();
  await expectNoA11yViolations(page);

  await page.goto(caseUrl);
  await expect(main.getByRole('link', { name: /^Signed / })).toHaveCount(4);
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

test("the owner keeps the practice's consent documents", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: demo.baseURL });
  const page = await context.newPage();
  await signIn(page, 'owner@harbor.example');
  const main = mainLandmark(page);
  await main.getByRole('link', { name: 'Consent documents', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Consent documents');
  await expect(main.getByText("Sensate's text (not edited yet)").first()).toBeVisible();
  await expectNoA11yViolations(page);
  const telehealth = main.locator('section', { has: page.getByRole('heading', { name: 'Consent to sessions by video' }) });
  await telehealth.getByText('Edit and publish a new version').click();
  // Spaces pass the browser's own check; the server says what is wrong.
  await telehealth.getByLabel('Title').fill('   ');
  await telehealth.getByRole('button', { name: 'Publish a new version' }).click();
  await expect(main.getByText('Give a title of 1 to 120 characters, on one line.')).toBeVisible();
  await expectNoA11yViolations(page);
  const again = main.locator('section', { has: page.getByRole('heading', { name: 'Consent to sessions by video' }) });
  await again.getByLabel('Title').fill('Sessions by video at Harbor');
  await again.getByRole('button', { name: 'Publish a new version' }).click();
  await expect(page.locator('.notice')).toContainText('Published.');
  await expect(main.getByRole('heading', { level: 2, name: 'Sessions by video at Harbor' })).toBeVisible();
  await expect(main.getByText('Version 1', { exact: true })).toBeVisible();
  await expectNoA11yViolations(page);
  await context.close();
});

test('a release of information is asked, signed by one partner on a phone, and revoked', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, 'sam.chen@harbor.example');
  const main = await openCase(page, /^Alex/, 'Couple therapy with Sam Chen');
  const caseUrl = page.url();
  const releases = main.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Releases of information' }) });
  await expect(releases.getByText('None asked yet.')).toBeVisible();
  // A mistake comes back beside its field, with what was typed kept.
  await releases.getByLabel('Recipient').fill('Dr. Lee, primary care physician');
  await releases.getByLabel('Purpose').fill('Ruling out a physical cause');
  await releases.getByRole('button', { name: 'Ask for a release', exact: true }).click();
  await expect(releases.getByText('Choose at least one kind of information that may be shared.')).toBeVisible();
  await expect(releases.getByLabel('Recipient')).toHaveValue('Dr. Lee, primary care physician');
  await expectNoA11yViolations(page);
  await releases.getByRole('checkbox', { name: 'Health history relevant to the referral' }).check();
  await releases.getByRole('button', { name: 'Ask for a release', exact: true }).click();
  await expect(page.locator('.notice')).toContainText('The release was asked for.');
  await expect(releases.getByRole('heading', { level: 3, name: 'To Dr. Lee, primary care physician' })).toBeVisible();
  await expect(releases.getByText('Riley Kim: not signed yet')).toBeVisible();
  await expectNoA11yViolations(page);

  // Riley signs it on a phone, then revokes it from the signed copy.
  const phone = await browser.newContext({ baseURL: demo.baseURL, viewport: { width: 390, height: 844 } });
  const riley = await phone.newPage();
  await signIn(riley, 'riley@client.example');
  const rileyMain = mainLandmark(riley);
  await rileyMain.getByRole('link', { name: 'Sign: Release of information to Dr. Lee, primary care physician' }).click();
  await expect(rileyMain.getByText('Information that may be shared: Health history relevant to the referral.')).toBeVisible();
  await rileyMain.getByLabel(/^Your full name/).fill('Riley Kim');
  await rileyMain.getByRole('checkbox', { name: /I have read this document/ }).check();
  await rileyMain.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(riley).toHaveURL(/\/me\/consents\?done=signed$/);
  await rileyMain.getByRole('link', { name: 'Release of information to Dr. Lee, primary care physician' }).click();
  await expect(rileyMain.getByRole('heading', { level: 2, name: 'Revoke this release' })).toBeVisible();
  await expectNoA11yViolations(riley);
  await rileyMain.getByRole('button', { name: 'Revoke this release', exact: true }).click();
  await expect(riley.locator('.notice')).toContainText('The practice shares nothing more under this release.');
  await expect(rileyMain.getByText('Revoked by the signer')).toBeVisible();
  await expect(rileyMain.getByRole('button', { name: 'Revoke this release' })).toHaveCount(0);
  const width = await riley.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  await expectNoA11yViolations(riley);
  await phone.close();

  // The therapist sees where each partner stands.
  await page.goto(caseUrl);
  await expect(releases.getByRole('link', { name: /^revoked / })).toBeVisible();
  await expect(releases.getByText('Alex Kim: not signed yet')).toBeVisible();
  await context.close();
});

test('a partner signs with the keyboard alone, and every step shows where the focus is', async ({ browser }) => {
  // Alex has the release the test above asked for still to sign.
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ baseURL: demo.baseURL, viewport: { width, height: 900 } });
    const page = await context.newPage();
    await signIn(page, 'alex@client.example');
    const main = mainLandmark(page);
    await page.goto('/me/consents');
    const link = main.getByRole('link', { name: 'Release of information to Dr. Lee, primary care physician' });
    if (width === 390) {
      // Signed at 1280 px: the copy is listed, with no sideways scrolling.
      await expect(link).toBeVisible();
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scroll, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
      await context.close();
      continue;
    }
    await tabTo(page, link);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Release of information');
    await tabTo(page, main.getByLabel(/^Your full name/));
    await page.keyboard.type('Alex Kim');
    await tabTo(page, main.getByRole('checkbox', { name: /I have read this document/ }));
    await page.keyboard.press('Space');
    await tabTo(page, main.getByRole('button', { name: 'Sign', exact: true }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/me\/consents\?done=signed$/);
    await expect(main.getByRole('heading', { level: 2, name: 'Signed', exact: true })).toBeVisible();
    // The message form's file field is reached by the keyboard too.
    await page.goto('/me/messages');
    await tabTo(page, main.getByRole('link', { name: 'With Sam Chen' }));
    await page.keyboard.press('Enter');
    await tabTo(page, main.getByLabel('Attach a file (optional)'));
    await context.close();
  }
});
