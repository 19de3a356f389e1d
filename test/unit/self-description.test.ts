import { strict as assert } from 'node:assert';
import type { XmppError } from '../../nodes/core/errors';
import type { BurstLine } from '../../nodes/core/burst-log';
import type { Refusal } from '../../nodes/core/pending-limit';
import { SelfDescription, type DiscoRespond } from '../../nodes/core/disco/self-description';
import type { Session } from '../../nodes/core/session/session';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

describe('what the bot says about itself', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  /** Attaches to a stand-in session and returns the answer to a software-version query. */
  async function versionAnswer(description: SelfDescription): Promise<string> {
    const handlers = new Map<string, (stanza: XmlElement, child: XmlElement) => unknown>();
    const session = {
      xml: lib.xml,
      handleIq: (type: string, ns: string, name: string, handler: (stanza: XmlElement, child: XmlElement) => unknown) => (handlers.set(`${type} ${ns} ${name}`, handler), () => undefined),
      decoratePresence: () => () => undefined,
      refreshPresence: () => undefined,
    };
    description.attach(session as unknown as Session);
    const query = lib.xml('query', { xmlns: 'jabber:iq:version' });
    const answer = (await handlers.get('get jabber:iq:version query')?.(lib.xml('iq', { type: 'get' }, query), query)) as XmlElement;
    return answer.toString();
  }

  it('names the package and its version, and the operating system only when the user opted in', async () => {
    const identity = { category: 'client', type: 'bot' };
    const hidden = await versionAnswer(new SelfDescription(identity, [], { name: 'pkg', version: '1.2.3' }));
    assert.equal(hidden, '<query xmlns="jabber:iq:version"><name>pkg</name><version>1.2.3</version></query>');
    const shown = await versionAnswer(new SelfDescription(identity, [], { name: 'pkg', version: '1.2.3', os: 'Linux 6.1' }));
    assert.match(shown, /<os>Linux 6\.1<\/os>/);
  });

  /** Attaches to a stand-in session; `ask` returns the answer to a disco query for a node. */
  function attached(description: SelfDescription, maxStanzaBytes = 256 * 1024): (from: string, kind: 'info' | 'items', node: string) => Promise<string> {
    const handlers = new Map<string, (stanza: XmlElement, child: XmlElement) => unknown>();
    const session = {
      xml: lib.xml,
      maxStanzaBytes,
      handleIq: (type: string, ns: string, name: string, handler: (stanza: XmlElement, child: XmlElement) => unknown) => (handlers.set(`${type} ${ns} ${name}`, handler), () => undefined),
      decoratePresence: () => () => undefined,
      refreshPresence: () => undefined,
    };
    description.attach(session as unknown as Session);
    return async (from, kind, node) => {
      const ns = `http://jabber.org/protocol/disco#${kind}`;
      const query = lib.xml('query', { xmlns: ns, node });
      const answer = (await handlers.get(`get ${ns} query`)?.(lib.xml('iq', { type: 'get', from, to: 'bot@example.org/home', id: 'd1' }, query), query)) as XmlElement;
      return answer.toString();
    };
  }

  const SENSORS = { identities: [{ category: 'automation', type: 'sensor-hub' }], features: ['urn:example:sensors'], forms: [] };
  const NOT_FOUND = '<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';

  it("answers a flow's node only to those let in; anyone else gets what a missing node gets", async () => {
    const description = new SelfDescription({ category: 'client', type: 'bot' }, [], { name: 'pkg', version: '1' });
    let asked = 0;
    description.answerNode(
      'sensors',
      (_kind, _from, respond) => {
        asked += 1;
        respond(SENSORS);
      },
      { access: { mode: 'listed', callers: ['example.org'] } },
    );
    description.answerNode('closed', (_kind, _from, respond) => respond(SENSORS), { access: { mode: 'listed', callers: [] } });
    const ask = attached(description);
    assert.match(await ask('alice@example.org/x', 'info', 'sensors'), /sensor-hub/);
    const strangerOnNode = await ask('eve@evil.example/x', 'info', 'sensors');
    const strangerNowhere = await ask('eve@evil.example/x', 'info', 'no-such-node');
    const listedNobody = await ask('alice@example.org/x', 'items', 'closed');
    assert.deepEqual([strangerOnNode, strangerNowhere, listedNobody], [NOT_FOUND, NOT_FOUND, NOT_FOUND]);
    assert.equal(asked, 1, 'the flow heard only the allowed query');
  });

  it('bounds the queries waiting for the flow: beyond, resource-constraint at once', async () => {
    const description = new SelfDescription({ category: 'client', type: 'bot' }, [], { name: 'pkg', version: '1' });
    const held: DiscoRespond[] = [];
    const refusals: BurstLine<Refusal>[] = [];
    description.answerNode('slow', (_kind, _from, respond) => held.push(respond), {
      access: { mode: 'anyone', callers: [] },
      limits: { perCaller: 1, total: 2 },
      onRefused: (line) => refusals.push(line),
    });
    const ask = attached(description);
    const first = ask('a@x/1', 'info', 'slow');
    const busy = '<error type="wait"><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';
    for (let i = 0; i < 20; i++) assert.equal(await ask('a@x/2', 'items', 'slow'), busy);
    const second = ask('b@x/1', 'info', 'slow');
    assert.equal(await ask('c@x/1', 'info', 'slow'), busy);
    assert.equal(held.length, 2);
    assert.equal(refusals.length, 1);
    for (const respond of held) respond(SENSORS);
    assert.match(await first, /sensor-hub/);
    assert.match(await second, /sensor-hub/);
  });

  it('answers item-not-found for an answer over the size limit, and says so to the flow', async () => {
    const description = new SelfDescription({ category: 'client', type: 'bot' }, [], { name: 'pkg', version: '1' });
    let error: XmppError | undefined;
    description.answerNode(
      'many',
      (_kind, _from, respond) => {
        error = respond(Array.from({ length: 500 }, (_, i) => ({ jid: `item${i}@example.org`, name: `Item number ${i}` })));
      },
      { access: { mode: 'anyone', callers: [] } },
    );
    const answer = await attached(description, 8 * 1024)('a@x/1', 'items', 'many');
    assert.equal(answer, NOT_FOUND);
    assert.equal(error?.code, 'too-large');
  });
});
