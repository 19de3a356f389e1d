import { strict as assert } from 'node:assert';
import { classifyConnectionError, isFatal, XmppError } from '../../nodes/core/errors';

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('connection error names', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a refused SASL login', Object.assign(new Error('x'), { name: 'SASLError', condition: 'not-authorized' }), 'not-authorized'],
    ['an unknown host', errno('ENOTFOUND'), 'host-not-found'],
    ['a closed port', errno('ECONNREFUSED'), 'connection-refused'],
    ['a reset', errno('ECONNRESET'), 'connection-lost'],
    ['a self-signed certificate', errno('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls-untrusted'],
    ['a wrong certificate name', errno('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls-untrusted'],
    ['a timeout', Object.assign(new Error('t'), { name: 'TimeoutError' }), 'connection-timeout'],
    ['a resource conflict', Object.assign(new Error('c'), { name: 'StreamError', condition: 'conflict' }), 'conflict'],
    ['another stream error', Object.assign(new Error('s'), { name: 'StreamError', condition: 'system-shutdown' }), 'stream-error'],
    ['anything else', 'a string', 'connection-lost'],
  ];
  for (const [what, error, code] of cases) {
    it(`names ${what} ${code}`, () => {
      assert.equal(classifyConnectionError(error).code, code);
    });
  }

  it('stops retrying only where retrying cannot help', () => {
    assert.equal(isFatal(new XmppError('not-authorized')), true);
    assert.equal(isFatal(new XmppError('conflict')), true);
    assert.equal(isFatal(new XmppError('connection-refused')), false);
    assert.equal(isFatal(new XmppError('host-not-found')), false);
  });
});
