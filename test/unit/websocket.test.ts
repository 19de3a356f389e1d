// XMPP over WebSocket without a network: reading host-meta (XEP-0156), which URLs are accepted,
// the framed stream (RFC 7395: <open/>, stanzas, <close/>, each a frame) and framed writes.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { XmppError } from '../../nodes/core/errors';
import { frameWrites, pass, writeRun } from '../../nodes/core/session/stanza-gate';
import { StreamParser, type StreamViolation } from '../../nodes/core/session/stream-parser';
import { checkWebSocketUrl, webSocketLinks } from '../../nodes/core/session/websocket-address';
import { loadXmpp, type Client, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

const OPEN = `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" from="localhost" id="s1" version="1.0" xml:lang="en"/>`;

describe('XMPP over WebSocket', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  describe('host-meta (XEP-0156)', () => {
    it('finds the WebSocket links of an XRD document and of a JRD one, and nothing else', () => {
      const xrd = `<?xml version='1.0' encoding='utf-8'?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://example.org/http-bind"/>
  <Link rel='urn:xmpp:alt-connections:websocket' href='wss://example.org/xmpp-websocket?a=1&amp;b=2'/>
</XRD>`;
      assert.deepEqual(webSocketLinks(xrd), ['wss://example.org/xmpp-websocket?a=1&b=2']);
      const jrd = JSON.stringify({ links: [{ rel: 'urn:xmpp:alt-connections:xbosh', href: 'https://example.org/bosh' }, { rel: 'urn:xmpp:alt-connections:websocket', href: 'wss://example.org/ws' }, { rel: 'urn:xmpp:alt-connections:websocket', href: 42 }] });
      assert.deepEqual(webSocketLinks(jrd), ['wss://example.org/ws']);
      assert.deepEqual(webSocketLinks('{ not json'), []);
      assert.deepEqual(webSocketLinks('<html>nothing here</html>'), []);
    });

    it('takes wss:// always, ws:// only with Security none, nothing else', () => {
      assert.equal(checkWebSocketUrl('wss://example.org/xmpp-websocket', 'starttls'), 'wss://example.org/xmpp-websocket');
      assert.equal(checkWebSocketUrl('ws://127.0.0.1:5280/ws', 'none'), 'ws://127.0.0.1:5280/ws');
      const code = (f: () => unknown): string | undefined => {
        try {
          f();
          return undefined;
        } catch (error) {
          return error instanceof XmppError ? error.code : 'not an XmppError';
        }
      };
      assert.equal(code(() => checkWebSocketUrl('ws://example.org/ws', 'starttls')), 'tls-unavailable');
      assert.equal(code(() => checkWebSocketUrl('ws://example.org/ws', 'tls')), 'tls-unavailable');
      assert.equal(code(() => checkWebSocketUrl('https://example.org/ws', 'tls')), 'host-not-found');
      assert.equal(code(() => checkWebSocketUrl('not a url', 'tls')), 'host-not-found');
    });
  });

  describe('the framed stream', () => {
    function framed(): { p: StreamParser; seen: string[]; violations: StreamViolation[] } {
      const seen: string[] = [];
      const violations: StreamViolation[] = [];
      const p = new StreamParser(lib.Element, { maxStanzaBytes: 1024, maxDepth: 8 }, (v) => violations.push(v), true);
      p.on('start', (open: XmlElement) => seen.push(`start ${open.name} ${open.attrs.id ?? ''}`));
      p.on('element', (element: XmlElement) => seen.push(`element ${element.toString()}`));
      p.on('end', (close: XmlElement) => seen.push(`end ${close.name}`));
      return { p, seen, violations };
    }

    it('opens with <open/>, gives each frame\'s stanza, ends with <close/>', () => {
      const { p, seen, violations } = framed();
      p.write(Buffer.from(OPEN));
      p.write(Buffer.from(`<stream:features xmlns:stream="http://etherx.jabber.org/streams"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></stream:features>`));
      p.write(`<message xmlns="jabber:client" from="a@localhost/x"><body>Grüße</body></message>`);
      p.write(`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`);
      assert.deepEqual(violations, []);
      assert.equal(seen[0], 'start open s1');
      assert.match(seen[1] ?? '', /^element <stream:features/);
      assert.equal(seen[2], 'element <message xmlns="jabber:client" from="a@localhost/x"><body>Grüße</body></message>');
      assert.equal(seen[3], 'end close');
    });

    it('keeps the limits and the rules: a stanza before <open/>, one too large, a DOCTYPE', () => {
      const early = framed();
      early.p.write('<message xmlns="jabber:client"/>');
      assert.equal(early.violations[0]?.streamCondition, 'not-well-formed');
      const large = framed();
      large.p.write(OPEN);
      large.p.write(`<message xmlns="jabber:client"><body>${'x'.repeat(2000)}</body></message>`);
      assert.equal(large.violations[0]?.streamCondition, 'policy-violation');
      const doctype = framed();
      doctype.p.write(OPEN);
      doctype.p.write('<!DOCTYPE x>');
      assert.equal(doctype.violations[0]?.streamCondition, 'restricted-xml');
      // <open/> of another namespace is an ordinary element, not the framing one.
      const other = framed();
      other.p.write('<open xmlns="urn:example"/>');
      assert.equal(other.violations[0]?.streamCondition, 'not-well-formed');
    });
  });

  it('writes each stanza as a frame of its own, with the jabber:client namespace it cannot inherit', async () => {
    const written: string[] = [];
    const sent: string[] = [];
    const client = Object.assign(new EventEmitter(), {
      root: undefined,
      write: (text: string) => {
        written.push(text);
        return Promise.resolve();
      },
    }) as unknown as Client;
    client.on('send', (stanza: XmlElement) => sent.push(stanza.name));
    frameWrites(client);
    const stanzas = [lib.xml('message', { to: 'a@localhost', type: 'chat' }, lib.xml('body', {}, 'one')), lib.xml('iq', { type: 'result', id: 'i1' }), lib.xml('r', { xmlns: 'urn:xmpp:sm:3' })];
    await writeRun(client, stanzas.map((stanza) => ({ stanza, passed: pass(stanza, 10_000) })));
    assert.deepEqual(written, ['<message xmlns="jabber:client" to="a@localhost" type="chat"><body>one</body></message>', '<iq xmlns="jabber:client" type="result" id="i1"/>', '<r xmlns="urn:xmpp:sm:3"/>']);
    assert.deepEqual(sent, ['message', 'iq', 'r']);
  });
});
