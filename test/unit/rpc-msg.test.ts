// iq-rpc msgs ↔ calls, replies and raw requests: what the node reads from msg and its fields.
import { strict as assert } from 'node:assert';
import { RpcMsgError, listOf, paramsOf, readCallMsg, readRawMsg, readReply, rpcTarget, timeoutOf } from '../../nodes/lib/rpc-msg';

const FIELDS = { method: 'examples.getStateName', to: 'bot@example.org/rpc', timeout: '10' };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RpcMsgError, `an RpcMsgError, not ${String(error)}`);
    return error.code;
  }
  assert.fail('no error');
}

describe('rpc-msg', () => {
  describe('calls', () => {
    it('takes an array payload as the params, one value as the only param, none as no params', () => {
      assert.deepEqual(paramsOf([1, 'two']), [1, 'two']);
      assert.deepEqual(paramsOf('one'), ['one']);
      assert.deepEqual(paramsOf({ a: 1 }), [{ a: 1 }]);
      assert.deepEqual(paramsOf(undefined), []);
      assert.deepEqual(paramsOf([[1, 2]]), [[1, 2]]);
    });

    it('reads method, target and timeout from msg over the node fields', () => {
      assert.deepEqual(readCallMsg({ payload: [41] }, FIELDS), { to: 'bot@example.org/rpc', method: 'examples.getStateName', params: [41], timeoutMs: 10_000 });
      assert.deepEqual(readCallMsg({ payload: 'x', method: 'echo', to: 'Other@Example.org/r', timeout: 2.5 }, FIELDS), { to: 'other@example.org/r', method: 'echo', params: ['x'], timeoutMs: 2500 });
    });

    it('refuses a bare user JID but takes a full JID or a service', () => {
      assert.equal(code(() => rpcTarget('bot@example.org')), 'bare-jid');
      assert.equal(rpcTarget('rpc.example.org'), 'rpc.example.org');
      assert.equal(rpcTarget('bot@example.org/a b'), 'bot@example.org/a b');
      assert.equal(code(() => rpcTarget('@example.org')), 'invalid-jid');
    });

    it('names what is missing or wrong', () => {
      assert.equal(code(() => readCallMsg({}, { ...FIELDS, method: '' })), 'no-method');
      assert.equal(code(() => readCallMsg({ method: 'a b' }, FIELDS)), 'invalid-method');
      assert.equal(code(() => readCallMsg({ method: 42 }, FIELDS)), 'invalid-method');
      assert.equal(code(() => readCallMsg({}, { ...FIELDS, to: '' })), 'no-target');
      assert.equal(code(() => readCallMsg({ to: 7 }, FIELDS)), 'invalid-jid');
      assert.equal(code(() => readCallMsg({ timeout: 'soon' }, FIELDS)), 'invalid-timeout');
      assert.equal(code(() => readCallMsg({ timeout: -1 }, FIELDS)), 'invalid-timeout');
    });

    it('falls back to 10 s when the field is not a positive number', () => {
      assert.equal(timeoutOf(undefined, ''), 10_000);
      assert.equal(timeoutOf(undefined, 'x'), 10_000);
      assert.equal(timeoutOf('', '3'), 3000);
    });
  });

  describe('replies', () => {
    it('takes msg.payload as the result (none: nil)', () => {
      assert.deepEqual(readReply({ payload: 'Gurer' }), { result: 'Gurer' });
      assert.deepEqual(readReply({}), { result: null });
    });

    it('takes msg.fault as an object or as text', () => {
      assert.deepEqual(readReply({ payload: 1, fault: { faultCode: 4, faultString: 'Too many parameters.' } }), { fault: { faultCode: 4, faultString: 'Too many parameters.' } });
      assert.deepEqual(readReply({ fault: 'out of paper' }), { fault: { faultCode: -32500, faultString: 'out of paper' } });
      assert.deepEqual(readReply({ fault: { faultCode: '7' } }), { fault: { faultCode: 7, faultString: '' } });
      assert.equal(code(() => readReply({ fault: { faultCode: 1.5, faultString: 'x' } })), 'invalid-fault');
      assert.equal(code(() => readReply({ fault: 3 })), 'invalid-fault');
    });
  });

  describe('raw requests', () => {
    const RAW = { to: '', iqType: 'get', xml: "<query xmlns='jabber:iq:version'/>", timeout: '5' };

    it('takes the child from msg.payload (text or object) over the field; no target is our server', () => {
      assert.deepEqual(readRawMsg({}, RAW), { to: undefined, type: 'get', child: RAW.xml, timeoutMs: 5000 });
      assert.deepEqual(readRawMsg({ payload: '<ping xmlns="urn:xmpp:ping"/>', to: 'localhost', iqType: 'set' }, RAW), { to: 'localhost', type: 'set', child: '<ping xmlns="urn:xmpp:ping"/>', timeoutMs: 5000 });
      assert.deepEqual(readRawMsg({ payload: { name: 'query', xmlns: 'http://jabber.org/protocol/disco#info', attrs: { node: 'n', n: 1 } } }, RAW).child, {
        name: 'query',
        xmlns: 'http://jabber.org/protocol/disco#info',
        attrs: { node: 'n', n: '1' },
      });
      // A payload that is not XML (an inject's timestamp, say) leaves the node's child in charge.
      assert.equal(readRawMsg({ payload: 1234 }, RAW).child, RAW.xml);
    });

    it('names what is missing or wrong', () => {
      assert.equal(code(() => readRawMsg({}, { ...RAW, xml: '' })), 'no-child');
      assert.equal(code(() => readRawMsg({ payload: { name: 'query' } }, RAW)), 'invalid-child');
      assert.equal(code(() => readRawMsg({ iqType: 'result' }, RAW)), 'invalid-iq-type');
      assert.equal(code(() => readRawMsg({ to: 'a@@b' }, RAW)), 'invalid-jid');
    });
  });

  it('splits lists of methods and callers on commas and spaces', () => {
    assert.deepEqual(listOf('rot13, sum,struct  echo'), ['rot13', 'sum', 'struct', 'echo']);
    assert.deepEqual(listOf(''), []);
    assert.deepEqual(listOf(undefined), []);
  });
});
