// Playwright configuration for the Sensate browser tests.
//
// Drives the real server (`sensate demo`) with Debian's Chromium
// (/usr/bin/chromium); Playwright's own browser downloads are never used.
// See README.md for the environment variables.

import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const port = Number(process.env.SENSATE_E2E_PORT || 18480);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  throw new Error(`SENSATE_E2E_PORT must be a TCP port number, got "${process.env.SENSATE_E2E_PORT}"`);
}
const baseURL = `http://127.0.0.1:${port}`;

const sensateBin = path.resolve(here, process.env.SENSATE_BIN || '../target/debug/sensate');

// A fresh, empty data directory per run. Playwright evaluates this file in
// the runner and again in every worker process; the workers inherit the
// environment of the runner, so only the first evaluation creates the
// directory and only that process removes it when it exits (after the web
// server has been stopped). A directory supplied by the caller through
// SENSATE_E2E_DATA_DIR is used as is and never removed.
let dataDir = process.env.SENSATE_E2E_DATA_DIR;
if (!dataDir) {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sensate-e2e-'));
  process.env.SENSATE_E2E_DATA_DIR = dataDir;
  const createdDir = dataDir;
  process.on('exit', () => {
    try {
      fs.rmSync(createdDir, { recursive: true, force: true });
    } catch {
      // Best effort only: a leftover directory in $TMPDIR is harmless.
    }
  });
}

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

const serverCommand = [
  `if [ ! -x ${shellQuote(sensateBin)} ]; then`,
  `echo "sensate binary not found at ${sensateBin.replace(/["\\$`]/g, '\\$&')}: build it first: cargo build -p sensate-server (or set SENSATE_BIN)" >&2;`,
  'exit 1; fi;',
  `exec ${shellQuote(sensateBin)} demo --listen 127.0.0.1:${port} --data-dir ${shellQuote(dataDir)}`,
].join(' ');

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: Number(process.env.SENSATE_E2E_WORKERS || 1),
  reporter: 'list',
  // Debug builds hash demo passwords slowly; be generous.
  timeout: 60_000,
  expect: { timeout: 10_000 },

  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    navigationTimeout: 30_000,
  },

  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 720 },
        launchOptions: {
          executablePath: process.env.SENSATE_E2E_CHROMIUM || '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      },
    },
  ],

  webServer: {
    command: serverCommand,
    cwd: here,
    url: `${baseURL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    // Keep the server's request log out of the test report; failures to
    // start are still shown (stderr is piped). Set RUST_LOG to see more.
    env: { RUST_LOG: process.env.RUST_LOG || 'warn' },
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
