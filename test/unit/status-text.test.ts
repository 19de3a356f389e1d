import { strict as assert } from 'node:assert';
import { XmppError } from '../../nodes/core/errors';
import { DeliveryError } from '../../nodes/core/messages/delivery-error';
import { UnreachableError } from '../../nodes/core/session/tried-addresses';
import { describeError, nodeError } from '../../nodes/lib/node-error';
import { logText, shortJid, statusFor, triedText, type Translate } from '../../nodes/lib/status-text';

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

  describe('a server that could not be reached', () => {
    const error = new UnreachableError('connection-timeout', [
      { address: '[::1]:5222', outcome: 'refused', code: 'ECONNREFUSED' },
      { address: '127.0.0.1:5222', outcome: 'timed-out', code: 'ETIMEDOUT' },
    ]);
    // Texts as en-US has them, so the sentence itself is checked.
    const words: Record<string, string> = {
      'xmpp-config.tried.entry': '__address__ __outcome__',
      'xmpp-config.tried.refused': 'refused',
      'xmpp-config.tried.timed-out': 'timed out',
      'xmpp-config.reason.connection-timeout': 'timed out',
      'xmpp-config.log.tried': '__reason__: __tried__',
      'xmpp-config.error.connection-timeout': 'The server did not answer in time (__detail__)',
    };
    const en: Translate = (key, subs) => Object.entries(subs ?? {}).reduce((text, [name, value]) => text.replace(`__${name}__`, String(value)), words[key] ?? key);

    it('the log names every address tried and how it failed, in order', () => {
      assert.equal(triedText(en, error), '[::1]:5222 refused, 127.0.0.1:5222 timed out');
      assert.equal(logText(en, error), 'timed out: [::1]:5222 refused, 127.0.0.1:5222 timed out');
    });

    it('an error for a flow names them too; an error without addresses is told as before', () => {
      assert.equal(describeError(en, error), 'The server did not answer in time ([::1]:5222 refused, 127.0.0.1:5222 timed out)');
      assert.equal(describeError(en, new XmppError('connection-timeout')), 'The server did not answer in time');
      assert.equal(logText(en, new XmppError('connection-timeout', 'no answer to a ping')), 'timed out');
    });

    it('the status under the nodes stays short: the reason only', () => {
      assert.equal(statusFor(en, { state: 'failed', jid: 'a@b', error }).text, 'timed out');
    });
  });

  it('a message that did not arrive is named by its own code, with the recipient and why', () => {
    const bounced = nodeError(t, new DeliveryError('bounced', 'nobody@example.org', { condition: 'service-unavailable', from: 'nobody@example.org' }), 'xmpp-out');
    assert.equal((bounced as Error & { code?: string }).code, 'bounced', 'not the condition: a flow branches on "bounced"');
    assert.match(bounced.message, /^xmpp-config\.error\.bounced .*"jid":"nobody@example\.org","condition":"service-unavailable"/);
    const late = nodeError(t, new DeliveryError('not-delivered', 'bob@example.org', { waitedMs: 60_000 }), 'xmpp-out');
    assert.equal((late as Error & { code?: string }).code, 'not-delivered');
    assert.match(late.message, /^xmpp-config\.error\.not-delivered .*"jid":"bob@example\.org".*"seconds":"60"/);
  });
});
