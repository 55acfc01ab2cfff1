// Security-relevant response headers.

import { expect, test } from '@playwright/test';

test('home page sends security headers', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const headers = response.headers();

  const csp = headers['content-security-policy'] ?? '';
  expect(csp, 'content-security-policy').toContain("default-src 'self'");
  expect(csp, 'content-security-policy').toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options'], 'x-content-type-options').toBe('nosniff');
  expect(headers['referrer-policy'], 'referrer-policy').toBe('no-referrer');
});
