// Our XML stream parser against what a server may send: the same elements as xmpp.js's own
// parser for valid streams, characters intact however the bytes are cut, and a named violation
// (never an exception, never unbounded memory) for what RFC 6120 does not allow.
import { strict as assert } from 'node:assert';
import { StreamParser, StreamViolation, unescapeXml, type InboundLimits } from '../../nodes/core/session/stream-parser';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';
import { english } from './english';

const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0' xml:lang='en'>`;

interface Run {
  root: XmlElement | undefined;
  elements: XmlElement[];
  ended: boolean;
  violations: StreamViolation[];
}

describe('the XML stream parser', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  function parser(limits: InboundLimits = { maxStanzaBytes: 64 * 1024, maxDepth: 32 }): { p: StreamParser; run: Run } {
    const run: Run = { root: undefined, elements: [], ended: false, violations: [] };
    const p = new StreamParser(lib.Element, limits, (violation) => run.violations.push(violation));
    p.on('start', (root: XmlElement) => (run.root = root));
    p.on('element', (element: XmlElement) => run.elements.push(element));
    p.on('end', () => (run.ended = true));
    p.on('error', () => assert.fail('the parser never emits error'));
    return { p, run };
  }

  function feed(data: string | Buffer, chunks: number[] = []): Run {
    const { p, run } = parser();
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    let from = 0;
    for (const cut of [...chunks, bytes.length]) {
      p.write(bytes.subarray(from, cut));
      from = cut;
    }
    return run;
  }

  const stanzas = [
    `<message from='alice@localhost/phone' to='bot@localhost/nr' type='chat' id='m1'><body>hello &amp; &lt;world&gt; &quot;&apos; &#8364;&#x1F600;</body><thread>t1</thread></message>`,
    `<presence from='alice@localhost/phone'><show>dnd</show><status>a &gt; b, "quoted" and 'single'</status><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='abc='/></presence>`,
    `<iq type='result' id='q1' from='localhost'><query xmlns='jabber:iq:roster'><item jid='a@b' name='x &gt; y' subscription='both'><group>G</group></item></query></iq>`,
    `<message to='x@y'><body><![CDATA[<not a tag> & not an entity]]></body></message>`,
    `<r xmlns='urn:xmpp:sm:3'/>`,
  ];

  it('reads a stream as xmpp.js does: the header, each top-level element, the end', () => {
    const run = feed(`${HEADER}\n${stanzas.join('\n  ')}\n</stream:stream>`);
    assert.deepEqual(run.violations, []);
    assert.equal(run.root?.name, 'stream:stream');
    assert.equal(run.root?.attrs.id, 's1');
    assert.equal(run.elements.length, stanzas.length);
    assert.ok(run.ended);
    const reference = lib.parse(`<wrap>${stanzas.join('')}</wrap>`).getChildElements().map(String);
    assert.deepEqual(run.elements.map(String), reference);
    const message = run.elements[0] as XmlElement;
    assert.equal(message.getChildText('body'), 'hello & <world> "\' €😀');
    assert.equal(message.getNS(), 'jabber:client', 'a stanza inherits the stream namespace');
    assert.equal((run.elements[2] as XmlElement).getChild('query')?.getChild('item')?.attrs.name, 'x > y');
    assert.equal((run.elements[3] as XmlElement).getChildText('body'), '<not a tag> & not an entity');
  });

  it('keeps every multi-byte character intact wherever the bytes are cut', () => {
    const text = 'Grüße € 你好 😀 𝄞 é';
    const stream = Buffer.from(`${HEADER}<message to='a@b'><body>${text}</body><subject>${text}</subject></message>`, 'utf8');
    for (let cut = 1; cut < stream.length; cut += 1) {
      const run = feed(stream, [cut]);
      assert.deepEqual(run.violations, [], `cut at byte ${cut}`);
      assert.equal(run.elements[0]?.getChildText('body'), text, `cut at byte ${cut}`);
      assert.equal(run.elements[0]?.getChildText('subject'), text, `cut at byte ${cut}`);
    }
    // Every byte alone.
    const single = feed(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
    assert.equal(single.elements[0]?.getChildText('body'), text);
  });

  it('keeps tags, attributes, entities and CDATA intact wherever the text is cut', () => {
    const stream = `${HEADER}${stanzas.join('')}`;
    const whole = feed(stream).elements.map(String);
    for (let cut = 1; cut < stream.length; cut += 3) {
      const run = feed(stream, [cut, Math.min(cut + 7, stream.length)]);
      assert.deepEqual(run.violations, [], `cut at ${cut}`);
      assert.deepEqual(run.elements.map(String), whole, `cut at ${cut}`);
    }
  });

  const refused: Array<[string, string, StreamViolation['streamCondition']]> = [
    ['a DOCTYPE', `<!DOCTYPE foo [<!ENTITY x "y">]><message/>`, 'restricted-xml'],
    ['a comment', `<!-- hello --><message/>`, 'restricted-xml'],
    ['a processing instruction after the header', `<?php x ?><message/>`, 'restricted-xml'],
    ['an undefined entity', `<message><body>&lol;</body></message>`, 'restricted-xml'],
    ['the character reference &#0;', `<message><body>a&#0;b</body></message>`, 'not-well-formed'],
    ['a reference to U+FFFE', `<message><body>&#xFFFE;</body></message>`, 'not-well-formed'],
    ['a bare ampersand', `<message><body>fish & chips</body></message>`, 'not-well-formed'],
    ['a control character', `<message><body>bell\u0007</body></message>`, 'not-well-formed'],
    ['U+FFFF in an attribute', `<message to='a\uFFFF@b'/>`, 'not-well-formed'],
    ['text between stanzas', `hello<message/>`, 'not-well-formed'],
    ['a close tag that closes nothing', `</body>`, 'not-well-formed'],
    ['mismatched tags', `<message><body></message>`, 'not-well-formed'],
    ['an attribute without a value', `<message to><body/></message>`, 'not-well-formed'],
    ['an attribute twice', `<message to='a' to='b'/>`, 'not-well-formed'],
    ['"<" in an attribute value', `<message to='a<b'/>`, 'not-well-formed'],
    ['"<<" (no tag can start so), before any ">" arrives', `<message><<<&&&`, 'not-well-formed'],
    ['"< " (no tag can start so)', `<message>< body/></message>`, 'not-well-formed'],
  ];
  for (const [what, bad, condition] of refused) {
    it(`refuses ${what} (${condition}) and stops`, () => {
      const run = feed(`${HEADER}<presence/>${bad}<message><body>after</body></message>`);
      assert.equal(run.violations.length, 1);
      assert.equal(run.violations[0]?.streamCondition, condition);
      assert.equal(run.violations[0]?.code, 'bad-xml');
      assert.deepEqual(run.elements.map((e) => e.name), ['presence'], 'nothing after the violation is read');
    });
  }

  it('ends a stanza larger than the limit as soon as the limit is passed, even when it never ends', () => {
    const { p, run } = parser({ maxStanzaBytes: 10_000, maxDepth: 32 });
    p.write(Buffer.from(`${HEADER}<message><body>`));
    let written = 0;
    while (run.violations.length === 0 && written < 1_000_000) {
      p.write(Buffer.from('x'.repeat(1000)));
      written += 1000;
    }
    assert.equal(run.violations[0]?.streamCondition, 'policy-violation');
    assert.equal(run.violations[0]?.code, 'inbound-too-large');
    assert.ok(written <= 11_000, `stopped after ${written} bytes`);
  });

  it('counts bytes, not characters: 4,000 three-byte characters pass 10,000 bytes', () => {
    const { p, run } = parser({ maxStanzaBytes: 10_000, maxDepth: 32 });
    p.write(Buffer.from(`${HEADER}<message><body>${'€'.repeat(4000)}</body></message>`));
    assert.equal(run.violations[0]?.streamCondition, 'policy-violation');
  });

  it('bounds endless children, an endless tag and an endless attribute value', () => {
    for (const [what, start, more] of [
      ['children', '<message>', '<x/>'],
      ['a tag', '<message ', 'a'],
      ['an attribute value', `<message to='`, 'a'],
    ] as const) {
      const { p, run } = parser({ maxStanzaBytes: 10_000, maxDepth: 32 });
      p.write(Buffer.from(HEADER + start));
      let written = 0;
      while (run.violations.length === 0 && written < 1_000_000) {
        p.write(Buffer.from(more.repeat(500)));
        written += more.length * 500;
      }
      assert.equal(run.violations[0]?.streamCondition, 'policy-violation', what);
      assert.ok(written <= 12_000, `${what}: stopped after ${written} bytes`);
    }
  });

  it('bounds nesting by depth, and accepts it up to the limit', () => {
    const nested = (depth: number): string => `<message>${'<x>'.repeat(depth - 1)}${'</x>'.repeat(depth - 1)}</message>`;
    const ok = feed(`${HEADER}${nested(32)}`);
    assert.deepEqual(ok.violations, []);
    const { p, run } = parser();
    p.write(`${HEADER}${nested(33)}`);
    assert.equal(run.violations[0]?.streamCondition, 'policy-violation');
    assert.match(english(run.violations[0]), /deeper than 32/);
  });

  it('ignores whitespace keepalives between stanzas and accepts one stanza over many writes', () => {
    const { p, run } = parser();
    p.write(HEADER);
    p.write(' \n ');
    for (const piece of ['<mess', 'age to="a@b"><bo', 'dy>x &a', 'mp; y</body></message>', '\n']) p.write(piece);
    assert.deepEqual(run.violations, []);
    assert.equal(run.elements[0]?.getChildText('body'), 'x & y');
  });

  it('unescapes only the predefined entities and legal character references', () => {
    assert.equal(unescapeXml('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;'), `<>&"'AB`);
    assert.throws(() => unescapeXml('&nbsp;'), StreamViolation);
    assert.throws(() => unescapeXml('&#xD800;'), StreamViolation);
    assert.throws(() => unescapeXml('&#12a;'), StreamViolation);
  });
});
