// OMEMO's XML for both versions: device lists, bundles, <encrypted> and the OMEMO 2 envelope,
// built and read back, and checked by python-omemo's own schemas and parsers (oldmemo, twomemo).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildBundle, readBundle } from '../../nodes/core/omemo/bundle-stanza';
import { buildDeviceList, readDeviceList } from '../../nodes/core/omemo/device-list-stanza';
import { buildEncrypted, encryptedChildren, readEncrypted } from '../../nodes/core/omemo/encrypted-stanza';
import type { EncryptedElement, OmemoVersion, PublicBundle } from '../../nodes/core/omemo/engine';
import { buildEnvelope, readEnvelope } from '../../nodes/core/omemo/sce-envelope';
import { loadXmpp, xmppLib, type XmlElement } from '../../nodes/core/xmpp-lib';

const RIG = join(__dirname, '..', '..', '..', 'test', 'rig');

/** What python-omemo makes of our XML. */
function python(kind: 'devices' | 'bundle' | 'message', version: OmemoVersion, el: XmlElement): { valid: boolean; error?: string; devices?: Record<string, string | null>; identity?: string; preKeys?: number } {
  const out = execFileSync('/usr/bin/python3', [join(RIG, 'omemo-schema.py'), kind, version], { input: el.toString() });
  return JSON.parse(out.toString()) as ReturnType<typeof python>;
}

const bytes = (n: number, first?: number): Uint8Array => {
  const b = new Uint8Array(randomBytes(n));
  if (first !== undefined) b[0] = first;
  return b;
};

function bundleFor(version: OmemoVersion): PublicBundle {
  // 0.3 keys carry libsignal's type byte 0x05 in front of the Curve25519 key.
  const key = (): Uint8Array => (version === '0.3' ? bytes(33, 5) : bytes(32));
  return { identityKey: key(), signedPreKeyId: 7, signedPreKey: key(), signedPreKeySignature: bytes(64), preKeys: [1, 2, 3].map((id) => ({ id, key: key() })) };
}

describe('OMEMO stanzas (core)', () => {
  before(async () => {
    await loadXmpp();
  });

  for (const version of ['0.3', '2'] as const) {
    describe(`version ${version}`, () => {
      it('a device list: built, read back, and taken by python-omemo (labels only in 2)', () => {
        const xml = xmppLib().xml;
        const el = buildDeviceList(xml, version, [{ id: 12345, label: 'Node-RED' }, { id: 4294967295 }]);
        assert.deepEqual(readDeviceList(version, el), version === '2' ? [{ id: 12345, label: 'Node-RED' }, { id: 4294967295 }] : [{ id: 12345 }, { id: 4294967295 }]);
        const py = python('devices', version, el);
        assert.equal(py.valid, true, py.error);
        assert.deepEqual(Object.keys(py.devices ?? {}).sort(), ['12345', '4294967295']);
      });

      it('a device list from a peer: bad and repeated ids are left out, another version\'s list is none', () => {
        const parse = xmppLib().parse;
        const ns = version === '2' ? 'urn:xmpp:omemo:2' : 'eu.siacs.conversations.axolotl';
        const root = version === '2' ? 'devices' : 'list';
        const el = parse(`<${root} xmlns="${ns}"><device id="5"/><device id="x"/><device id="-3"/><device id="5"/><device id="0"/><device id="99999999999"/><device id="6"/></${root}>`);
        assert.deepEqual(readDeviceList(version, el).map((d) => d.id), [5, 6]);
        const other = version === '2' ? parse('<list xmlns="eu.siacs.conversations.axolotl"><device id="5"/></list>') : parse('<devices xmlns="urn:xmpp:omemo:2"><device id="5"/></devices>');
        assert.deepEqual(readDeviceList(version, other), []);
      });

      it('a bundle: built with the version\'s element names, read back byte for byte, parsed by python-omemo', () => {
        const bundle = bundleFor(version);
        const el = buildBundle(xmppLib().xml, version, bundle);
        const names = version === '2' ? ['spk', 'spks', 'ik', 'prekeys'] : ['signedPreKeyPublic', 'signedPreKeySignature', 'identityKey', 'prekeys'];
        assert.deepEqual(el.getChildElements().map((c) => c.name), names);
        assert.deepEqual(readBundle(version, el), bundle);
        const py = python('bundle', version, el);
        assert.equal(py.valid, true, py.error);
        assert.equal(py.preKeys, 3);
      });

      it('a bundle without pre-keys, with bad base64 or a missing part is no bundle', () => {
        const xml = xmppLib().xml;
        const bundle = bundleFor(version);
        assert.equal(readBundle(version, buildBundle(xml, version, { ...bundle, preKeys: [] })), undefined);
        const broken = buildBundle(xml, version, bundle);
        const ik = broken.getChildElements()[2];
        if (!ik) throw new Error('no identity key element');
        ik.children = ['not base64!'];
        assert.equal(readBundle(version, broken), undefined);
        const missing = buildBundle(xml, version, bundle);
        missing.children = missing.children.filter((c) => typeof c === 'string' || c.name !== (version === '2' ? 'spks' : 'signedPreKeySignature'));
        assert.equal(readBundle(version, missing), undefined);
      });

      it("<encrypted> with a key exchange and a plain key: read back as built, valid in the schema python-omemo checks, the flag only when set", () => {
        const element: EncryptedElement = {
          version,
          sender: 31337,
          keys: [
            { jid: 'alice@example.org', device: 1, kex: true, data: bytes(90) },
            { jid: 'alice@example.org', device: 2, kex: false, data: bytes(40) },
            // 0.3 does not say whose a key is; 2 groups them per JID.
            ...(version === '2' ? [{ jid: 'bot@example.org', device: 3, kex: false, data: bytes(40) }] : []),
          ],
          payload: bytes(48),
          ...(version === '0.3' ? { iv: bytes(12) } : {}),
        };
        const el = buildEncrypted(xmppLib().xml, element);
        const text = el.toString();
        assert.ok(!text.includes('false'), 'python-omemo reads any text of the flag as true: it is left out when false');
        const back = readEncrypted(xmppLib().parse(text), 'alice@example.org');
        assert.deepEqual(back, element);
        const py = python('message', version, el);
        assert.equal(py.valid, true, py.error);
      });

      it('a key transport (<encrypted> without payload) and one found among a message\'s children', () => {
        const xml = xmppLib().xml;
        const element: EncryptedElement = { version, sender: 9, keys: [{ jid: 'bot@example.org', device: 4, kex: true, data: bytes(60) }], ...(version === '0.3' ? { iv: bytes(12) } : {}) };
        const message = xml('message', { to: 'bot@example.org' }, buildEncrypted(xml, element), xml('body', {}, 'fallback'));
        const [found] = encryptedChildren(xmppLib().parse(message.toString()));
        assert.ok(found);
        assert.deepEqual(readEncrypted(found, 'bot@example.org'), element);
        assert.equal(python('message', version, buildEncrypted(xml, element)).valid, true);
      });

      it('<encrypted> that is not one: no sid, bad base64, 0.3 without iv, 2 keys without jid', () => {
        const parse = xmppLib().parse;
        const ns = version === '2' ? 'urn:xmpp:omemo:2' : 'eu.siacs.conversations.axolotl';
        const keys = version === '2' ? '<keys jid="a@b"><key rid="1">AAAA</key></keys>' : '<key rid="1">AAAA</key><iv>AAAAAAAAAAAAAAAA</iv>';
        assert.ok(readEncrypted(parse(`<encrypted xmlns="${ns}"><header sid="5">${keys}</header></encrypted>`), 'a@b'), 'the well-formed one reads');
        assert.equal(readEncrypted(parse(`<encrypted xmlns="${ns}"><header>${keys}</header></encrypted>`), 'a@b'), undefined);
        assert.equal(readEncrypted(parse(`<encrypted xmlns="${ns}"><header sid="5">${keys.replace('AAAA', 'A?A')}</header></encrypted>`), 'a@b'), undefined);
        assert.equal(readEncrypted(parse(`<encrypted xmlns="${ns}"><header sid="5">${keys}</header><payload>***</payload></encrypted>`), 'a@b'), undefined);
        if (version === '0.3') assert.equal(readEncrypted(parse(`<encrypted xmlns="${ns}"><header sid="5"><key rid="1">AAAA</key></header></encrypted>`), 'a@b'), undefined);
        else assert.equal(readEncrypted(parse(`<encrypted xmlns="${ns}"><header sid="5"><keys><key rid="1">AAAA</key></keys></header></encrypted>`), 'a@b'), undefined);
      });
    });
  }

  describe('the OMEMO 2 envelope (XEP-0420)', () => {
    it('holds the body, padding of varying length and our bare JID; read back when the sender matches', () => {
      const { xml, parse } = xmppLib();
      const lengths = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const envelope = buildEnvelope(xml, 'door open <&> "now"', 'bot@example.org');
        lengths.add(envelope.getChild('rpad')?.getText().length ?? -1);
        const bytesOf = new Uint8Array(Buffer.from(envelope.toString()));
        assert.deepEqual(readEnvelope(parse, bytesOf, 'bot@example.org/phone'), { body: 'door open <&> "now"' });
      }
      assert.ok(lengths.size > 5, 'the padding varies');
      const envelope = buildEnvelope(xml, 'hi', 'bot@example.org');
      assert.equal(envelope.getChild('from')?.attrs.jid, 'bot@example.org');
      assert.equal(envelope.getChild('content')?.getChild('body', 'jabber:client')?.getText(), 'hi');
    });

    it('names another sender: refused; not XML or not an envelope: refused', () => {
      const { xml, parse } = xmppLib();
      const forged = new Uint8Array(Buffer.from(buildEnvelope(xml, 'pay mallory', 'alice@example.org').toString()));
      assert.deepEqual(readEnvelope(parse, forged, 'mallory@example.org/x'), { problem: 'wrong-sender' });
      assert.deepEqual(readEnvelope(parse, new Uint8Array(Buffer.from('<oops')), 'a@b'), { problem: 'not-an-envelope' });
      assert.deepEqual(readEnvelope(parse, new Uint8Array(Buffer.from('<body xmlns="jabber:client">hi</body>')), 'a@b'), { problem: 'not-an-envelope' });
    });
  });
});
