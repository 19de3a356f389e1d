// Logging in to Debian's Prosody 0.12: which SASL mechanism we end up using and how long it takes.
import { strict as assert } from 'node:assert';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { described, login, loginTwice } from '../rig/login-probe';
import { Prosody } from '../rig/prosody';

describe('logging in to Prosody (Debian 0.12)', function () {
  this.timeout(30_000);
  const servers: Prosody[] = [];

  before(async () => {
    await loadXmpp();
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('default TLS (1.3): SCRAM-SHA-1 over STARTTLS, direct TLS and without TLS; 10,000 rounds', async () => {
    const prosody = await Prosody.start({ tls: true });
    servers.push(prosody);
    await prosody.register('bot', 'bot-pw');
    for (const security of ['starttls', 'tls', 'none'] as const) {
      const result = await loginTwice(prosody, security);
      console.log(`      Prosody, ${security}: ${described(result)}`);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-1');
    }
  });

  it('TLS 1.2 only: SCRAM-SHA-1-PLUS, bound to the connection with tls-unique', async () => {
    const prosody = await Prosody.start({ tls: true, tls12: true });
    servers.push(prosody);
    await prosody.register('bot', 'bot-pw');
    for (const security of ['starttls', 'tls'] as const) {
      const result = await loginTwice(prosody, security);
      console.log(`      Prosody TLS 1.2, ${security}: ${described(result)}`);
      assert.equal(result.status.state, 'online', result.states.join(' → '));
      assert.equal(result.status.mechanism, 'SCRAM-SHA-1-PLUS (tls-unique)');
    }
    const wrong = await login(prosody, 'starttls', 'bot', 'wrong');
    assert.equal(wrong.status.error?.code, 'not-authorized');
  });
});
