// Starts Sensate processes of a test's own, apart from the demo server that
// playwright.config.js starts: a real `sensate serve` over a fresh data
// directory (for what a brand-new practice does), or a demo with options of
// its own (a moved clock, mail to a real SMTP server).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const e2eDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The server binary: SENSATE_BIN (run.sh makes it absolute), as in playwright.config.js. */
export function sensateBinary() {
  return path.resolve(e2eDir, process.env.SENSATE_BIN || '../target/debug/sensate');
}

/** A TCP port on 127.0.0.1 that is free right now. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The environment without any SENSATE_* variable, plus `extra`. */
function cleanEnvironment(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SENSATE_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Starts `sensate serve --listen 127.0.0.1:<free port> --data-dir <new temp dir>`
 * and waits for the one-time set-up link it prints on stdout.
 *
 * Returns `{ baseURL, setupLink, output(), stop() }`. `stop()` ends the server
 * and removes its data directory; it is safe to call more than once. If the
 * server does not print the link within `timeoutMs`, it is stopped and the
 * returned promise rejects with what it printed.
 */
export async function startSensateServe({ timeoutMs = 60_000 } = {}) {
  const { ready, ...server } = await launch('serve', [], (line) => line.includes('/setup?token='), timeoutMs);
  return { ...server, setupLink: ready };
}

/**
 * Starts its own `sensate demo` (apart from the one playwright.config.js
 * starts) with extra arguments, e.g. `['--now', '2027-03-05T14:00:00Z',
 * '--smtp-url', sink.url]`, and waits until it serves.
 *
 * Returns `{ baseURL, output(), stop() }`, as `startSensateServe` does.
 */
export async function startSensateDemo(args = [], { timeoutMs = 90_000 } = {}) {
  const { ready: _, ...server } = await launch('demo', args, (line) => line.startsWith('Press Ctrl-C'), timeoutMs);
  return server;
}

/**
 * Runs `sensate <command> --listen 127.0.0.1:<free port> --data-dir <new temp
 * dir> ...args` until it prints a line for which `isReady` holds.
 */
async function launch(command, args, isReady, timeoutMs) {
  const bin = sensateBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`sensate binary not found at ${bin}: build it first: cargo build -p sensate-server (or set SENSATE_BIN)`);
  }
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sensate-e2e-${command}-`));
  const child = spawn(bin, [command, '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
    env: cleanEnvironment({ RUST_LOG: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  // If the test process goes away without calling stop(), take the server with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    function fail(why) {
      clearTimeout(timer);
      reject(new Error(`sensate ${command} on port ${port}: ${why}\n${output()}`));
    }
    child.once('error', (error) => fail(`cannot start ${bin}: ${error.message}`));
    exited.then(({ code, signal }) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // Only whole lines: a line may arrive split across chunks.
      const line = stdout.split('\n').slice(0, -1).find(isReady);
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });

  return { baseURL: `http://127.0.0.1:${port}`, ready, output, stop };
}
