// Logins that cannot succeed with the settings given fail at once, by name, without a retry loop:
// Security "none" against a real Prosody that requires encryption; a server that offers only
// mechanisms we cannot use there (the rig's scripted server announcing SCRAM-SHA-256-PLUS on a
// stream without TLS, where there is nothing to bind to, and X-OAUTH2;
// Prosody 0.12 cannot be configured to offer such a list: with SCRAM-SHA-1 and PLAIN disabled it
// ends the stream, "No stream features to proceed with").
import { strict as assert } from 'node:assert';
import type { Session, SessionStatus } from '../../nodes/core/session/session';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreSession } from '../rig/core-client';
import { eventually } from '../rig/peer';
import { FakeServer } from '../rig/fake-server';
import { downgradeHash } from '../../nodes/core/session/scram';
import { Prosody } from '../rig/prosody';

const PASSWORD = 'refusal-secret-7c1e';

function states(seen: SessionStatus[]): string {
  return seen.map((s) => s.state + (s.error ? `(${s.error.code}: ${s.error.detail})` : '')).join(' → ');
}

/** Starts a session and resolves with every status it went through once it failed or came online, plus `watchMs`. */
async function attempt(session: Session, watchMs: number): Promise<SessionStatus[]> {
  const seen: SessionStatus[] = [];
  const settled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no outcome in 10 s; seen ${states(seen)}`)), 10_000);
    session.onStatus((status) => {
      seen.push(status);
      if (status.state === 'failed' || status.state === 'online') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  session.start();
  try {
    await settled;
    await new Promise((resolve) => setTimeout(resolve, watchMs));
    return seen;
  } finally {
    await session.stop();
  }
}

/** The states up to and including the outcome (stop() adds 'stopped'). */
function untilOutcome(seen: SessionStatus[]): string[] {
  const end = seen.findIndex((s) => s.state === 'failed' || s.state === 'online');
  return seen.slice(0, end + 1).map((s) => s.state);
}

describe('logins that cannot succeed fail at once, by name (real Prosody)', function () {
  this.timeout(60_000);
  let requiresTls: Prosody;
  let noMechanism: FakeServer;

  before(async () => {
    await loadXmpp();
    requiresTls = await Prosody.start({ tls: true, requireEncryption: true, iterations: 100 });
    await requiresTls.register('alice', PASSWORD);
    noMechanism = await FakeServer.start({ offer: ['SCRAM-SHA-256-PLUS', 'X-OAUTH2'] });
  });

  after(async () => {
    await requiresTls?.stop();
    await noMechanism?.stop();
  });

  it('Security none against a server that requires encryption: tls-required once, no retries, never logged in', async () => {
    const started = Date.now();
    const { session } = coreSession({ jid: { local: 'alice', domain: 'localhost', resource: 'none' }, password: PASSWORD, port: requiresTls.port, security: 'none', backoff: { initialMs: 100, maxMs: 100, stableMs: 1000 } });
    const seen = await attempt(session, 800);
    assert.deepEqual(untilOutcome(seen), ['connecting', 'failed'], states(seen));
    assert.equal(seen.length, 3, `no retry after the failure: ${states(seen)}`);
    assert.equal(seen[1]?.error?.code, 'tls-required');
    assert.ok(Date.now() - started < 5000, 'at once, not after the 30 s login timeout');
    // With STARTTLS and trust in its certificate, the same account logs in: it was only the setting.
    const { session: secure } = coreSession({ jid: { local: 'alice', domain: 'localhost', resource: 'tls' }, password: PASSWORD, port: requiresTls.port, security: 'starttls', trust: { mode: 'any' } });
    const ok = await attempt(secure, 0);
    assert.deepEqual(untilOutcome(ok), ['connecting', 'online'], states(ok));
  });

  it('a server offering only mechanisms we cannot use here (SCRAM-SHA-256-PLUS without TLS, X-OAUTH2): no-mechanism naming them, one attempt, not "not authorized"', async () => {
    const { session } = coreSession({ jid: { local: 'alice', domain: 'localhost', resource: 'm' }, password: PASSWORD, port: noMechanism.port, security: 'none', backoff: { initialMs: 100, maxMs: 100, stableMs: 1000 } });
    const seen = await attempt(session, 800);
    assert.deepEqual(untilOutcome(seen), ['connecting', 'failed'], states(seen));
    assert.equal(seen.length, 3, `no retry after the failure: ${states(seen)}`);
    assert.equal(seen[1]?.error?.code, 'no-mechanism', states(seen));
    assert.equal(seen[1]?.error?.detail, 'SCRAM-SHA-256-PLUS, X-OAUTH2');
    assert.equal(noMechanism.connections.length, 1, 'connections to the server');
    assert.doesNotMatch(noMechanism.connections[0]?.received ?? '', /<auth /, 'no login was attempted');
  });

  it('XEP-0474: a server whose signed list of mechanisms differs from what arrived stops the login with sasl-downgrade, no retry', async () => {
    // On the wire: SCRAM-SHA-1 only. The server signs what it sent: SCRAM-SHA-1 and -PLUS (someone stripped -PLUS).
    const signed = downgradeHash('sha1', { mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS'] });
    const stripped = await FakeServer.start({ login: { mechanism: 'SCRAM-SHA-1', iterations: 4096, downgradeHash: signed } });
    const honest = await FakeServer.start({ login: { mechanism: 'SCRAM-SHA-1', iterations: 4096, downgradeHash: downgradeHash('sha1', { mechanisms: ['SCRAM-SHA-1'] }) } });
    try {
      const options = { jid: { local: 'alice', domain: 'localhost', resource: 'd' }, password: PASSWORD, security: 'none' as const, backoff: { initialMs: 100, maxMs: 100, stableMs: 1000 } };
      const { session } = coreSession({ ...options, port: stripped.port });
      const seen = await attempt(session, 800);
      assert.deepEqual(untilOutcome(seen), ['connecting', 'failed'], states(seen));
      assert.equal(seen[1]?.error?.code, 'sasl-downgrade', states(seen));
      assert.equal(stripped.connections.length, 1, 'no retry');
      assert.doesNotMatch(stripped.connections[0]?.received ?? '', /<response /, 'no proof sent');
      // The same exchange with a hash over what was really sent goes on to the proof.
      const { session: fine } = coreSession({ ...options, port: honest.port });
      fine.start();
      const connection = await honest.connection(0);
      await eventually(() => connection.received, (text) => /<response /.test(text), 5000, 'the client proof');
      await fine.stop();
    } finally {
      await stripped.stop();
      await honest.stop();
    }
  });
});
