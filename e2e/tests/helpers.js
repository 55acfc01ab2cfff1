// Shared helpers for the Sensate browser tests.

import { expect } from '@playwright/test';
import { msUntilNextStep } from './totp.js';

/** Password of every account seeded by `sensate demo`. */
export const DEMO_PASSWORD = 'demo-practice-2026';

export const DEMO_ACCOUNTS = {
  therapist: 'dr.rivera@harbor.example',
  owner: 'owner@harbor.example',
  client: 'alex@client.example',
};

export const DEMO_BANNER_TEXT = 'Demo — fictional data';

// Field labels may carry a visually hidden suffix such as "(required)", so
// match the start of the accessible name rather than all of it.
export const EMAIL_LABEL = /^Email address\b/;
export const PASSWORD_LABEL = /^Password\b/;

/** The page's main landmark (the skip link's target). */
export function mainLandmark(page) {
  return page.locator('main#main');
}

/**
 * Checks what every Sensate page must have: `<html lang="en">`, the demo
 * banner, a navigation landmark named "Main", and a skip link that is the
 * first focusable element and moves focus to `main#main`.
 *
 * Call it right after a navigation: it presses Tab and Enter, so it leaves
 * focus in `main` and `#main` in the URL.
 */
export async function expectCommonChrome(page) {
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByText(DEMO_BANNER_TEXT).first()).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main', exact: true })).toBeVisible();
  await expect(mainLandmark(page)).toHaveCount(1);

  const skipLink = page.getByRole('link', { name: 'Skip to main content', exact: true });
  await page.keyboard.press('Tab');
  await expect(skipLink, 'the skip link must be the first focusable element').toBeFocused();
  await page.keyboard.press('Enter');
  await expect(mainLandmark(page), 'activating the skip link must focus main#main').toBeFocused();
}

/** Signs in through the login form and waits for the dashboard. */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto('/login');
  const main = mainLandmark(page);
  await main.getByLabel(EMAIL_LABEL).fill(email);
  await main.getByLabel(PASSWORD_LABEL).fill(password);
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
    { timeout: 30_000 },
  );
  await main.getByRole('button', { name: 'Sign in', exact: true }).click();
  const response = await posted;
  const status = response.status();
  if (status < 300 || status >= 400) {
    // Not the expected redirect: fail at once and say what the server answered.
    const body = await response.text().catch(() => '');
    const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(body)?.[1]?.replace(/<[^>]*>/g, '').trim();
    throw new Error(
      `sign-in as ${email} failed: POST /login answered ${status}${h1 ? ` with the page "${h1}"` : ''} instead of redirecting to /dashboard`,
    );
  }
  // Staff confirm each sign-in with a second step; the demo shows the code.
  await expect(page).toHaveURL(/\/(dashboard|mfa)$/, { timeout: 30_000 });
  if (new URL(page.url()).pathname === '/mfa') {
    await passDemoMfa(page);
  }
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 30_000 });
}

/**
 * Enters the code the demo shows on the second-step page.
 *
 * The demo shows the code of the current 30-second step, but a code is
 * accepted only once per account: if the same account already signed in
 * during this step (say, in the previous test), the server answers "That
 * code was already used. Wait for the next one." while still showing that
 * code. Then wait for the next step, reload the page and use its new code.
 * When the codes of this step and the next were both used already (three
 * sign-ins within a minute), the page shows no code until the next step.
 */
export async function passDemoMfa(page) {
  const main = mainLandmark(page);
  for (let attempt = 1; ; attempt++) {
    await expect(main.getByRole('heading', { level: 1, name: 'Confirm it is you' })).toBeVisible();
    const shown = main.getByText(/current code for this fictional account is \d{6}/);
    if (attempt <= 2 && (await shown.count()) === 0) {
      await page.waitForTimeout(msUntilNextStep() + 500);
      await page.goto('/mfa');
      continue;
    }
    const notice = await shown.textContent();
    const code = /(\d{6})/.exec(notice)[1];
    await main.getByLabel(/^Code\b/).fill(code);
    const posted = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/mfa/verify',
      { timeout: 30_000 },
    );
    await main.getByRole('button', { name: 'Continue', exact: true }).click();
    const response = await posted;
    if (response.status() >= 300 && response.status() < 400) return;
    const body = await response.text().catch(() => '');
    if (attempt <= 2 && body.includes('That code was already used')) {
      await page.waitForTimeout(msUntilNextStep() + 500);
      await page.goto('/mfa');
      continue;
    }
    const error = /id="code-error">([^<]*)</.exec(body)?.[1];
    throw new Error(
      `the demo's second-step code ${code} was refused: POST /mfa/verify answered ${response.status()}${error ? `: "${error}"` : ''}`,
    );
  }
}

/**
 * Counts the items of the first list or table that follows `heading` in
 * document order: `li` children of a `ul`/`ol`, or rows with at least one
 * data cell (`td`) of a `table`.
 */
export async function countItemsAfter(heading) {
  const container = heading.locator('xpath=following::*[self::ul or self::ol or self::table][1]');
  if ((await container.count()) === 0) return 0;
  return container.evaluate((el) =>
    el.tagName === 'TABLE'
      ? Array.from(el.querySelectorAll('tr')).filter((tr) => tr.querySelector('td')).length
      : el.querySelectorAll(':scope > li').length,
  );
}

/**
 * Fails unless the focused element shows a visible focus indicator: it
 * matches `:focus-visible` and has an outline at least 2px wide.
 */
export async function expectFocusVisible(page) {
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { ok: false, what: 'nothing is focused' };
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth) || 0;
    const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.value || '').trim().slice(0, 40)}"`;
    return { ok: el.matches(':focus-visible') && style.outlineStyle !== 'none' && width >= 2, what };
  });
  expect(focus.ok, `focus must be visible on ${focus.what}`).toBe(true);
}

/**
 * Presses Tab (keyboard only) until `target` has focus, checking at every
 * step that the focus is visible. Fails after `max` presses.
 */
export async function tabTo(page, target, { max = 80, backwards = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const focused = await target.evaluate((el) => el === document.activeElement).catch(() => false);
    if (focused) {
      await expectFocusVisible(page);
      return;
    }
    if (i > 0) {
      const onBody = await page.evaluate(() => document.activeElement === document.body);
      if (!onBody) await expectFocusVisible(page);
    }
  }
  throw new Error(`Tab did not reach ${target} within ${max} presses`);
}
