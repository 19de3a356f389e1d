// xmpp-out's encryption per msg: the node's setting, msg.encrypt over it, never below "required".
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { XmppError } from '../../nodes/core/errors';
import { encryptionWanted, readEncryption } from '../../nodes/lib/encryption-msg';

const msg = (encrypt?: unknown): NodeMessage => (encrypt === undefined ? { payload: 'x' } : ({ payload: 'x', encrypt } as NodeMessage));

describe('encryption per msg (lib)', () => {
  it('reads the node field; older flows without it send in clear', () => {
    assert.equal(readEncryption(undefined), 'off');
    assert.equal(readEncryption('possible'), 'possible');
    assert.equal(readEncryption('required'), 'required');
    assert.equal(readEncryption('sometimes'), 'off');
  });

  it('msg.encrypt: true is "when possible", "required" is required, false is off; absent: the node decides', () => {
    assert.equal(encryptionWanted(msg(), 'possible'), 'possible');
    assert.equal(encryptionWanted(msg(true), 'off'), 'possible');
    assert.equal(encryptionWanted(msg('required'), 'off'), 'required');
    assert.equal(encryptionWanted(msg(false), 'possible'), 'off');
  });

  it('a msg cannot talk a node set to required into less', () => {
    assert.equal(encryptionWanted(msg(false), 'required'), 'required');
    assert.equal(encryptionWanted(msg(true), 'required'), 'required');
  });

  it('anything else in msg.encrypt is refused, so a typo never sends in clear', () => {
    for (const value of ['yes', 1, 'Required', {}]) assert.throws(() => encryptionWanted(msg(value), 'off'), (e: unknown) => e instanceof XmppError && e.code === 'invalid-payload');
  });
});
