import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { AttemptLog, GAVE_UP } from '../../nodes/core/session/attempt-log';
import { failedAt, hostPort, unreachable, UnreachableError, type TriedAddress } from '../../nodes/core/session/tried-addresses';
import { XmppError } from '../../nodes/core/errors';

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
const line = (tried: readonly TriedAddress[]): string => tried.map((t) => `${t.address} ${t.outcome}`).join(', ');

describe('what was tried on the way to the server', () => {
  it('names each failure by what the system said', () => {
    const cases: Array<[unknown, string]> = [
      [errno('ECONNREFUSED'), 'refused'],
      [errno('ETIMEDOUT'), 'timed-out'],
      [errno('ENETUNREACH'), 'unreachable'],
      [errno('EHOSTUNREACH'), 'unreachable'],
      [errno('ECONNRESET'), 'closed'],
      [errno('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls-untrusted'],
      [errno('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls-untrusted'],
      [new XmppError('tls-untrusted', 'the certificate does not match the pinned fingerprint'), 'tls-untrusted'],
      [Object.assign(new Error('timeout'), { name: 'TimeoutError' }), 'no-stream'],
      [errno('ERR_SSL_WRONG_VERSION_NUMBER'), 'failed'],
    ];
    for (const [error, outcome] of cases) assert.equal(failedAt('127.0.0.1:5222', error).outcome, outcome, String((error as Error).message));
    assert.equal(hostPort('::1', 5222), '[::1]:5222');
    assert.equal(hostPort('127.0.0.1', 5222), '127.0.0.1:5222');
  });

  it('the error lists every address with its system code, and takes the code that says most', () => {
    const refused = failedAt('[::1]:5222', errno('ECONNREFUSED'));
    const timedOut = failedAt('127.0.0.1:5222', errno('ETIMEDOUT'));
    const unknownName = { address: 'gone.example.org:5222', outcome: 'not-found' as const, code: 'ENOTFOUND' };
    const both = unreachable([refused, timedOut]);
    assert.ok(both instanceof UnreachableError);
    assert.equal(both.detail, '[::1]:5222 ECONNREFUSED, 127.0.0.1:5222 ETIMEDOUT');
    assert.equal(both.code, 'connection-timeout', 'one address timing out is not a server restarting');
    assert.equal(unreachable([refused, failedAt('127.0.0.1:5222', errno('ECONNREFUSED'))]).code, 'connection-refused', 'every address refused');
    assert.equal(unreachable([unknownName, refused]).code, 'connection-refused', 'a name that did not resolve says less than a refusal');
    assert.equal(unreachable([unknownName]).code, 'host-not-found');
    assert.equal(unreachable([failedAt('[fd00::1]:5222', errno('ENETUNREACH')), refused]).code, 'connection-refused', 'no IPv6 route is common');
    assert.equal(unreachable([refused, failedAt('127.0.0.1:5223', errno('DEPTH_ZERO_SELF_SIGNED_CERT'))]).code, 'tls-untrusted');
  });

  describe('one socket\'s attempts, from the events Node emits', () => {
    it('lists each address in the order tried, with how it ended', () => {
      const socket = new EventEmitter();
      const log = new AttemptLog(socket, 'dual.example.org:5222');
      socket.emit('lookup', null, '::1', 6, 'dual.example.org');
      socket.emit('connectionAttempt', '::1', 5222, 6);
      socket.emit('connectionAttemptTimeout', '::1', 5222, 6);
      socket.emit('connectionAttempt', '127.0.0.1', 5222, 4);
      socket.emit('connectionAttemptFailed', '127.0.0.1', 5222, 4, errno('ECONNREFUSED'));
      socket.emit('error', Object.assign(new AggregateError([errno('ECONNREFUSED')]), { code: 'ECONNREFUSED' }));
      assert.equal(line(log.failures(new Error('closed'))), '[::1]:5222 timed-out, 127.0.0.1:5222 refused');
    });

    it('an address still connecting when we give up timed out; one connected that opened no stream says so', () => {
      const pending = new EventEmitter();
      const waiting = new AttemptLog(pending, 'slow.example.org:5222');
      pending.emit('connectionAttempt', '192.0.2.1', 5222, 4);
      assert.equal(line(waiting.failures(GAVE_UP)), '192.0.2.1:5222 timed-out');

      const silent = new EventEmitter();
      const connected = new AttemptLog(silent, 'mute.example.org:5222');
      silent.emit('connectionAttempt', '127.0.0.1', 5222, 4);
      silent.emit('connect');
      assert.equal(line(connected.failures(GAVE_UP)), '127.0.0.1:5222 no-stream');
    });

    it('a TLS failure after connecting is named by the socket\'s own error, even when the close came first', () => {
      const socket = new EventEmitter();
      const log = new AttemptLog(socket, 'tls.example.org:5223');
      socket.emit('connectionAttempt', '127.0.0.1', 5223, 4);
      socket.emit('connect');
      socket.emit('error', errno('DEPTH_ZERO_SELF_SIGNED_CERT'));
      const [entry] = log.failures({ code: 'ECONNRESET' });
      assert.deepEqual(entry, { address: '127.0.0.1:5223', outcome: 'tls-untrusted', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    });

    it('a name without addresses is named itself', () => {
      const socket = new EventEmitter();
      const log = new AttemptLog(socket, 'gone.example.org:5222');
      const notFound = errno('ENOTFOUND');
      socket.emit('lookup', notFound, undefined, undefined, 'gone.example.org');
      socket.emit('error', notFound);
      assert.deepEqual(log.failures(notFound), [{ address: 'gone.example.org:5222', outcome: 'not-found', code: 'ENOTFOUND' }]);
    });
  });
});
