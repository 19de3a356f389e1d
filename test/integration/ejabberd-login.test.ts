// Logging in to Debian's ejabberd, each way its operators configure it: which SASL mechanism we
// end up using, how long the login takes, and the fail-fast cases.
import { strict as assert } from 'node:assert';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { Ejabberd, type EjabberdOptions } from '../rig/ejabberd';
import { described, login, loginTwice, type Login } from '../rig/login-probe';

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
    console.log(`      ${what}: ${described(result)}`);
  }

  it('stock SCRAM-SHA-1 store: SCRAM-SHA-1 over STARTTLS, over direct TLS, and without TLS', async () => {
    const ejabberd = await server({ directTls: true });
    for (const security of ['starttls', 'tls', 'none'] as const) {
      const result = await loginTwice(ejabberd, security);
      report(`sha1 store, ${security}`, result);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-1');
    }
  });

  it('a SCRAM-SHA-256-only store with PLAIN disabled: SCRAM-SHA-256', async () => {
    const ejabberd = await server({ scramHash: 'sha256', plain: false });
    const result = await loginTwice(ejabberd, 'starttls');
    report('sha256 store, PLAIN off, starttls', result);
    assert.equal(result.status.state, 'online', result.states.join(' → '));
    assert.equal(result.status.mechanism, 'SCRAM-SHA-256');
  });

  it('a SCRAM-SHA-512 store: SCRAM-SHA-512, and SCRAM-SHA-512-PLUS bound with tls-unique where TLS 1.2 allows it', async () => {
    const ejabberd = await server({ scramHash: 'sha512', plain: false, directTls: true });
    for (const security of ['starttls', 'tls'] as const) {
      const result = await loginTwice(ejabberd, security);
      report(`sha512 store, PLAIN off, ${security}`, result);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-512');
    }
    const old = await server({ scramHash: 'sha512', plain: false, directTls: true, tls12: true });
    for (const security of ['starttls', 'tls'] as const) {
      const result = await loginTwice(old, security);
      report(`sha512 store, TLS 1.2 only, ${security}`, result);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-512-PLUS (tls-unique)');
    }
  });

  it('stock SCRAM-SHA-1 store on TLS 1.2: SCRAM-SHA-1-PLUS with tls-unique; a wrong password still fails', async () => {
    const ejabberd = await server({ tls12: true });
    const result = await loginTwice(ejabberd, 'starttls');
    report('sha1 store, TLS 1.2 only, starttls', result);
    assert.equal(result.status.state, 'online', result.states.join(' → '));
    assert.equal(result.status.mechanism, 'SCRAM-SHA-1-PLUS (tls-unique)');
    const wrong = await login(ejabberd, 'starttls', 'bot', 'wrong');
    assert.equal(wrong.status.error?.code, 'not-authorized');
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
    const secured = await loginTwice(ejabberd, 'starttls');
    report('starttls_required, starttls', secured);
    assert.equal(secured.status.state, 'online');
  });
});
