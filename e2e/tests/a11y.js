// Shared accessibility assertion: runs axe-core against the current page
// and fails with a readable list of violations.

import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Turns axe violations into a human-readable report. */
export function formatViolations(violations) {
  return violations
    .map((v, i) => {
      const nodes = v.nodes
        .map((n) => {
          const target = n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' | ');
          const why = (n.failureSummary || '').split('\n').map((l) => l.trim()).filter(Boolean);
          return `      - ${target}${why.length ? `\n          ${why.join('\n          ')}` : ''}`;
        })
        .join('\n');
      return `  ${i + 1}. [${v.id}] (${v.impact ?? 'n/a'}) ${v.help}\n     ${v.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/**
 * Fails the test if axe finds WCAG 2.0/2.1/2.2 A/AA violations on `page`.
 * The full axe result is attached to the test report.
 */
export async function expectNoA11yViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(A11Y_TAGS).analyze();
  const { violations } = results;

  if (violations.length > 0) {
    await test.info().attach(`axe-violations ${page.url()}`, {
      body: JSON.stringify(violations, null, 2),
      contentType: 'application/json',
    });
  }

  const report =
    violations.length === 0
      ? ''
      : `axe found ${violations.length} accessibility violation(s) on ${page.url()}:\n${formatViolations(violations)}\n`;
  expect(violations.length, report).toBe(0);
}
