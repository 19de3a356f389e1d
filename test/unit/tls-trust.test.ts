// Per-connection TLS trust: pins, CA text or file, the options handed to tls.connect, and the
// pin check after the handshake.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { XmppError } from '../../nodes/core/errors';
import { checkPeer, normalizePin, readCa, tlsOptions, type TlsTrust } from '../../nodes/core/session/tls-trust';
import { english } from './english';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
const FINGERPRINT = 'EB:9B:7D:B3:70:2C:45:0E:AE:EF:7D:24:5E:E1:93:A3:A6:2C:8F:6D:9C:41:CC:BC:AC:F4:5F:BA:16:3D:16:D1';
const HEX = FINGERPRINT.replace(/:/g, '');

/** Just what checkPeer touches of a TLS socket: the peer's certificate, and destroy(). */
class FakeSocket {
  destroyed = false;
  certificateAsked = 0;
  constructor(private readonly fingerprint256: string | undefined) {}
  getPeerCertificate(): PeerCertificate {
    this.certificateAsked += 1;
    return (this.fingerprint256 === undefined ? {} : { fingerprint256: this.fingerprint256 }) as PeerCertificate;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function assertXmppError(fn: () => unknown, code: string, detail: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof XmppError, `an XmppError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(english(error), detail);
    return true;
  });
}

describe('TLS trust', () => {
  describe('normalizePin', () => {
    it('accepts the fingerprint as openssl and Node print it, in any case, with or without separators', () => {
      assert.equal(normalizePin(FINGERPRINT), HEX);
      assert.equal(normalizePin(FINGERPRINT.toLowerCase()), HEX);
      assert.equal(normalizePin(HEX), HEX);
      assert.equal(normalizePin(`  ${FINGERPRINT}\n`), HEX);
      assert.equal(normalizePin(FINGERPRINT.replace(/:/g, ' ')), HEX);
    });

    it('drops everything that is not a hex digit, so a bad pin cannot pass for a good one', () => {
      assert.equal(normalizePin(''), '');
      assert.equal(normalizePin('xyz:--'), '');
      assert.equal(normalizePin('ab:zz:cd'), 'ABCD');
    });
  });

  describe('readCa', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'tls-trust-test-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('takes pasted PEM text as it is (trimmed)', () => {
      assert.equal(readCa(`\n  ${PEM}\n\n`), PEM);
    });

    it('takes anything else for the path of a PEM file and reads it', () => {
      const file = join(dir, 'ca.pem');
      writeFileSync(file, `${PEM}\n`);
      assert.equal(readCa(file), `${PEM}\n`);
      assert.equal(readCa(`  ${file}\n`), `${PEM}\n`, 'a path pasted with spaces around it');
    });

    it('refuses a path it cannot read with tls-untrusted, naming the path and the system error', () => {
      const missing = join(dir, 'missing.pem');
      assertXmppError(() => readCa(missing), 'tls-untrusted', new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*ENOENT`));
      assertXmppError(() => readCa(dir), 'tls-untrusted', /EISDIR/);
    });
  });

  describe('tlsOptions', () => {
    const modes: TlsTrust[] = [{ mode: 'system' }, { mode: 'ca', ca: PEM }, { mode: 'pin', pin: FINGERPRINT }, { mode: 'any' }];

    it('always names the XMPP domain as the server name, asks for TLS 1.2 or later, and never replaces the name check', () => {
      for (const trust of modes) {
        const options = tlsOptions(trust, 'example.org');
        assert.equal(options.servername, 'example.org', trust.mode);
        assert.equal(options.minVersion, 'TLSv1.2', trust.mode);
        assert.equal(options.checkServerIdentity, undefined, trust.mode);
      }
    });

    it('system: checks the chain against the system CAs only', () => {
      const options = tlsOptions({ mode: 'system' }, 'example.org');
      assert.equal(options.rejectUnauthorized, true);
      assert.equal(options.ca, undefined);
    });

    it('ca: checks the chain against the given CA', () => {
      const options = tlsOptions({ mode: 'ca', ca: PEM }, 'example.org');
      assert.equal(options.rejectUnauthorized, true);
      assert.equal(options.ca, PEM);
    });

    it('pin and any: no chain check in the handshake (pin is checked after it)', () => {
      for (const mode of ['pin', 'any'] as const) {
        const options = tlsOptions({ mode, pin: FINGERPRINT }, 'example.org');
        assert.equal(options.rejectUnauthorized, false, mode);
        assert.equal(options.ca, undefined, mode);
      }
    });
  });

  describe('checkPeer', () => {
    it('accepts any peer in modes other than pin, without looking at it', () => {
      for (const mode of ['system', 'ca', 'any'] as const) {
        const socket = new FakeSocket('00');
        assert.equal(checkPeer(socket, { mode }), undefined, mode);
        assert.equal(socket.certificateAsked, 0, mode);
        assert.equal(socket.destroyed, false, mode);
      }
    });

    it('accepts the pinned certificate however the pin is spelled, and leaves the socket open', () => {
      for (const pin of [FINGERPRINT, FINGERPRINT.toLowerCase(), HEX]) {
        const socket = new FakeSocket(FINGERPRINT);
        assert.equal(checkPeer(socket, { mode: 'pin', pin }), undefined, pin);
        assert.equal(socket.destroyed, false, pin);
      }
    });

    it('refuses another certificate with tls-untrusted and destroys the socket at once', () => {
      const socket = new FakeSocket(FINGERPRINT);
      const error = checkPeer(socket, { mode: 'pin', pin: 'AA'.repeat(32) });
      assert.ok(error instanceof XmppError);
      assert.equal(error.code, 'tls-untrusted');
      assert.match(english(error), /pinned fingerprint/);
      assert.equal(socket.destroyed, true);
    });

    it('refuses a peer without a certificate, even with an empty pin', () => {
      for (const pin of [FINGERPRINT, '', undefined]) {
        const socket = new FakeSocket(undefined);
        assert.equal(checkPeer(socket, { mode: 'pin', pin })?.code, 'tls-untrusted', String(pin));
        assert.equal(socket.destroyed, true, String(pin));
      }
    });
  });
});
