// The core's trial login (Test connection) against a real Prosody, every way in: STARTTLS,
// direct TLS and WebSocket each report their TLS version; an untrusted certificate is read for
// its fingerprint whichever way it was shown; a server that never answers ends within the limit.
import assert from 'node:assert/strict';
import { checkLogin, type LoginSettings } from '../../nodes/core/session/login-check';
import { loadXmpp } from '../../nodes/core/xmpp-lib';
import { Prosody } from '../rig/prosody';
import { SilentPort } from '../rig/silent-port';

describe('a trial login (Test connection) in the core', function () {
  this.timeout(60_000);
  let prosody: Prosody;

  before(async function () {
    this.timeout(60_000);
    await loadXmpp();
    prosody = await Prosody.start({ tls: true, websocket: true, iterations: 100 });
    await prosody.register('bot', 'bot-pw');
  });

  after(async () => {
    await prosody?.stop();
  });

  function settings(extra: Partial<LoginSettings>): LoginSettings {
    return { jid: { local: 'bot', domain: 'localhost', resource: 'check' }, password: 'bot-pw', host: '127.0.0.1', port: prosody.port, security: 'starttls', trust: { mode: 'pin', pin: prosody.fingerprint256 }, ...extra };
  }

  it('reports the full JID, the mechanism and the TLS version over STARTTLS, direct TLS and WebSocket', async () => {
    const ways: Array<[string, Partial<LoginSettings>]> = [
      ['STARTTLS', {}],
      ['direct TLS', { security: 'tls', port: prosody.tlsPort }],
      ['WebSocket', { websocket: { url: `wss://localhost:${prosody.httpsPort}/xmpp-websocket` } }],
    ];
    for (const [way, extra] of ways) {
      const result = await checkLogin(settings(extra), 15_000);
      assert.ok(result.ok, `${way}: ${result.ok ? '' : result.error.message}`);
      assert.equal(result.jid, 'bot@localhost/check', way);
      assert.match(result.mechanism ?? '', /^SCRAM-SHA-/, way);
      assert.match(result.tls ?? '', /^TLSv1\.[23]$/, way);
    }
    const plain = await checkLogin(settings({ security: 'none', trust: undefined }), 15_000);
    assert.ok(plain.ok);
    assert.equal(plain.tls, undefined, 'no TLS version without encryption');
  });

  it('reads the fingerprint of a certificate it did not trust, shown by STARTTLS, direct TLS or WebSocket', async () => {
    const ways: Array<[string, Partial<LoginSettings>]> = [
      ['STARTTLS', {}],
      ['direct TLS', { security: 'tls', port: prosody.tlsPort }],
      ['WebSocket', { websocket: { url: `wss://localhost:${prosody.httpsPort}/xmpp-websocket` } }],
    ];
    for (const [way, extra] of ways) {
      const result = await checkLogin(settings({ ...extra, trust: { mode: 'system' } }), 15_000);
      assert.equal(result.ok, false, way);
      if (result.ok) continue;
      assert.equal(result.error.code, 'tls-untrusted', way);
      assert.equal(result.fingerprint, prosody.fingerprint256, way);
    }
  });

  it('gives up on a server that never answers within the time it was given', async () => {
    const silent = await SilentPort.start('127.0.0.1');
    try {
      const started = Date.now();
      const result = await checkLogin(settings({ port: silent.port }), 6_000);
      const took = Date.now() - started;
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.error.code, 'connection-timeout');
      assert.ok(took < 6_500, `answered after ${took} ms`);
    } finally {
      await silent.stop();
    }
  });
});
