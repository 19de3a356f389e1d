import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { shortJid, statusFor, type Translate } from '../../nodes/lib/status-text';

// Shows the key and its substitutions, so the test sees exactly what was asked for.
const t: Translate = (key, subs) => (subs ? `${key} ${JSON.stringify(subs)}` : key);

describe('status under the nodes', () => {
  it('connecting is a yellow ring', () => {
    assert.deepEqual(statusFor(t, { state: 'connecting', jid: 'a@b/c' }), { fill: 'yellow', shape: 'ring', text: 'xmpp-config.status.connecting' });
  });
  it('connected is a green dot with the short JID', () => {
    assert.deepEqual(statusFor(t, { state: 'online', jid: 'bot@example.org/node-red-12345678' }), { fill: 'green', shape: 'dot', text: 'bot@example.org' });
    assert.equal(shortJid(`${'x'.repeat(40)}@example.org/r`).length, 32);
  });
  it('a refused login is a red ring naming the reason', () => {
    const status = statusFor(t, { state: 'failed', jid: 'a@b', error: new XmppError('not-authorized') });
    assert.equal(status.fill, 'red');
    assert.equal(status.shape, 'ring');
    assert.match(String(status.text), /^xmpp-config\.reason\.not-authorized/);
  });
  it('a retry says why, when and which attempt', () => {
    const status = statusFor(t, { state: 'retrying', jid: 'a@b', error: new XmppError('connection-refused'), retryInMs: 8000, attempt: 4 });
    assert.match(String(status.text), /^xmpp-config\.status\.retrying /);
    assert.match(String(status.text), /"seconds":8,"attempt":4/);
    assert.match(String(status.text), /connection-refused/);
  });
});
