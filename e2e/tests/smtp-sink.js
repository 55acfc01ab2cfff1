// A real SMTP server on 127.0.0.1 that keeps every message it is given, for
// browser tests that read Sensate's email the way a person would: from a
// mailbox, not from the demo's outbox page. Messages are parsed as MIME
// (quoted-printable, base64, multipart, attachments) by `mailparser`.

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * Starts the sink on a free port. Returns `{ url, messages, waitFor, stop }`:
 * `url` is what `sensate --smtp-url` takes; `messages` the parsed messages so
 * far, each `{ to, subject, text, attachments }`; `waitFor(predicate)` the
 * first message (already received or still to come) that matches.
 */
export async function startSmtpSink() {
  const messages = [];
  const waiting = [];
  const server = new SMTPServer({
    // Plain SMTP on the loopback interface, as a local relay would take it.
    secure: false,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const message = {
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            attachments: parsed.attachments ?? [],
          };
          messages.push(message);
          for (const w of waiting.splice(0)) {
            if (w.predicate(message)) w.resolve(message);
            else waiting.push(w);
          }
          callback();
        })
        .catch((error) => callback(error));
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address();

  const waitFor = (predicate, timeoutMs = 20_000) => {
    const found = messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const entry = { predicate, resolve };
      waiting.push(entry);
      setTimeout(() => {
        const i = waiting.indexOf(entry);
        if (i >= 0) waiting.splice(i, 1);
        const seen = messages.map((m) => `${m.to.join(', ')}: ${m.subject}`).join('; ') || 'none';
        reject(new Error(`no matching email within ${timeoutMs} ms (received: ${seen})`));
      }, timeoutMs);
    });
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
