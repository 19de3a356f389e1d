// Logging in to Debian's ejabberd, each way its operators configure it: which SASL mechanism we
// end up using, how long the login takes, and the fail-fast cases.
import { strict as assert } from 'node:assert';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import type { Security } from '../../nodes/core/session/server-address';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { coreClient } from '../rig/core-client';
import { Ejabberd, type EjabberdOptions } from '../rig/ejabberd';
import { waitFor } from '../rig/peer';
import { EventEmitter } from 'node:events';

interface Login {
  status: SessionStatus;
  ms: number;
  states: string[];
}

/** Starts a session and waits for it to be online or failed; stops it either way. */
async function login(server: Ejabberd, security: Security, user = 'bot', password = 'bot-pw', port = security === 'tls' ? server.tlsPort : server.port): Promise<Login> {
  const client: XmppClient = coreClient({
    jid: { local: user, domain: 'localhost', resource: 'login' },
    password,
    security,
    port,
    trust: { mode: 'pin', pin: server.fingerprint256 },
    backoff: { initialMs: 200, maxMs: 1000, stableMs: 30_000 },
  });
  const events = new EventEmitter();
  const states: string[] = [];
  client.onStatus((status) => {
    states.push(status.error ? `${status.state}:${status.error.code}` : status.state);
    events.emit('status', status);
  });
  const started = Date.now();
  const settled = waitFor(events, 'status', (s: SessionStatus) => (s.state === 'online' || s.state === 'failed' ? s : undefined), 15_000, 'online or failed');
  client.start();
  try {
    const status = await settled;
    return { status, ms: Date.now() - started, states };
  } finally {
    await client.stop();
  }
}

describe('logging in to ejabberd (Debian 23.01)', function () {
  this.timeout(60_000);
  const servers: Ejabberd[] = [];

  before(async () => {
    await loadXmpp();
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function server(options: EjabberdOptions): Promise<Ejabberd> {
    const started = await Ejabberd.start(options);
    servers.push(started);
    await started.register('bot', 'bot-pw');
    return started;
  }

  function report(what: string, result: Login): void {
    console.log(`      ${what}: ${result.status.mechanism ?? '-'} in ${result.ms} ms`);
  }

  it('stock SCRAM-SHA-1 store: SCRAM-SHA-1 over STARTTLS, over direct TLS, and without TLS', async () => {
    const ejabberd = await server({ directTls: true });
    for (const security of ['starttls', 'tls', 'none'] as const) {
      const result = await login(ejabberd, security);
      report(`sha1 store, ${security}`, result);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-1');
    }
  });

  it('a SCRAM-SHA-256-only store with PLAIN disabled: SCRAM-SHA-256', async () => {
    const ejabberd = await server({ scramHash: 'sha256', plain: false });
    const result = await login(ejabberd, 'starttls');
    report('sha256 store, PLAIN off, starttls', result);
    assert.equal(result.status.state, 'online', result.states.join(' → '));
    assert.equal(result.status.mechanism, 'SCRAM-SHA-256');
  });

  it('a wrong password against the SHA-256 store is not-authorized, and final', async () => {
    const ejabberd = servers[1] ?? (await server({ scramHash: 'sha256', plain: false }));
    const result = await login(ejabberd, 'starttls', 'bot', 'wrong');
    assert.equal(result.status.state, 'failed');
    assert.equal(result.status.error?.code, 'not-authorized');
  });

  it('Security none against starttls_required fails at once with tls-required, no retry', async () => {
    const ejabberd = await server({ starttlsRequired: true });
    const result = await login(ejabberd, 'none');
    console.log(`      starttls_required, security none: ${result.status.error?.code} after ${result.ms} ms`);
    assert.equal(result.status.state, 'failed', result.states.join(' → '));
    assert.equal(result.status.error?.code, 'tls-required');
    assert.ok(!result.states.includes('retrying'), result.states.join(' → '));
    const secured = await login(ejabberd, 'starttls');
    report('starttls_required, starttls', secured);
    assert.equal(secured.status.state, 'online');
  });
});
