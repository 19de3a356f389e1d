import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { guardDataPath } from '../../nodes/core/session/data-path-guard';
import { DEFAULT_INBOUND } from '../../nodes/core/session/stream-parser';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

describe('the guarded data path', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  const client = () => lib.client({ service: 'xmpp://127.0.0.1:1', domain: 'localhost', username: 'u', password: 'p' });

  it('xmpp.js 0.14.0 by itself throws on data that arrives after its parser is gone (issues #860, #1058)', () => {
    const bare = client();
    assert.equal(bare.parser, null);
    assert.throws(() => bare._onData(Buffer.from('<message/>')), TypeError);
  });

  it('ignores data that arrives after the parser is gone', () => {
    const guarded = client();
    guardDataPath(guarded, lib, DEFAULT_INBOUND, () => undefined);
    assert.doesNotThrow(() => guarded._onData(Buffer.from('<message/>')));
  });

  it('turns a listener that throws while data is parsed into an error event', async () => {
    const guarded = client();
    guardDataPath(guarded, lib, DEFAULT_INBOUND, () => undefined);
    const errors: unknown[] = [];
    guarded.on('error', (error: unknown) => errors.push(error));
    guarded.on('element', () => {
      throw new Error('a careless listener');
    });
    // A parser as xmpp.js attaches one when a stream opens.
    const { Parser } = (await import('@xmpp/xml')) as unknown as { Parser: new () => NodeJS.EventEmitter & { write(text: string): void } };
    const parser = new Parser();
    parser.on('element', (element: unknown) => guarded.emit('element', element));
    Object.assign(guarded, { parser });
    assert.doesNotThrow(() => guarded._onData(Buffer.from('<stream:stream xmlns:stream="http://etherx.jabber.org/streams"><message/>')));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /a careless listener/);
  });

  it("keeps our parser when xmpp.js sets its transport's parser at connect, and gives it the raw bytes", () => {
    const guarded = client();
    guardDataPath(guarded, lib, DEFAULT_INBOUND, () => undefined);
    const ours = guarded.Parser;
    guarded.Parser = class extends EventEmitter {};
    assert.equal(guarded.Parser, ours);
    const parser = new guarded.Parser() as EventEmitter & { write(data: Buffer): void };
    const bodies: string[] = [];
    parser.on('element', (element: XmlElement) => bodies.push(element.getChildText('body') ?? ''));
    Object.assign(guarded, { parser });
    const bytes = Buffer.from('<stream:stream xmlns:stream="http://etherx.jabber.org/streams"><message><body>€😀</body></message>');
    const euro = bytes.indexOf(Buffer.from('€'));
    guarded._onData(bytes.subarray(0, euro + 1));
    guarded._onData(bytes.subarray(euro + 1));
    assert.deepEqual(bodies, ['€😀']);
  });
});
