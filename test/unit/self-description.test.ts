import { strict as assert } from 'node:assert';
import type { XmppError } from '../../nodes/core/errors';
import type { BurstLine } from '../../nodes/core/burst-log';
import type { Refusal } from '../../nodes/core/pending-limit';
import { SelfDescription, type DiscoRespond, type SoftwareVersion } from '../../nodes/core/disco/self-description';
import { loadXmpp, type XmlElement } from '../../nodes/core/xmpp-lib';
import { FakePort } from './fake-port';

describe('what the bot says about itself', () => {
  before(async () => {
    await loadXmpp();
  });

  const BOT = { category: 'client', type: 'bot' };

  /** Our self-description on a fake port: `ask` returns the answer to a disco query for a node, `version` to a software-version query. */
  function describing(identity: { category: string; type: string }, version: SoftwareVersion, maxStanzaBytes = 256 * 1024) {
    const port = new FakePort();
    port.maxStanzaBytes = maxStanzaBytes;
    const description = new SelfDescription(port, { decorate: () => () => undefined, refresh: () => undefined }, { identity, items: [], version });
    const text = (answer: unknown): string => (answer as XmlElement).toString();
    return {
      description,
      ask: async (from: string, kind: 'info' | 'items', node: string): Promise<string> =>
        text(await port.query(`<iq type="get" from="${from}" to="bot@example.org/home" id="d1"><query xmlns="http://jabber.org/protocol/disco#${kind}" node="${node}"/></iq>`)),
      version: async (): Promise<string> => text(await port.query(`<iq type="get" id="v1"><query xmlns="jabber:iq:version"/></iq>`)),
    };
  }

  it('names the package and its version, and the operating system only when the user opted in', async () => {
    const identity = BOT;
    const hidden = await describing(identity, { name: 'pkg', version: '1.2.3' }).version();
    assert.equal(hidden, '<query xmlns="jabber:iq:version"><name>pkg</name><version>1.2.3</version></query>');
    const shown = await describing(identity, { name: 'pkg', version: '1.2.3', os: 'Linux 6.1' }).version();
    assert.match(shown, /<os>Linux 6\.1<\/os>/);
  });

  const SENSORS = { identities: [{ category: 'automation', type: 'sensor-hub' }], features: ['urn:example:sensors'], forms: [] };
  const NOT_FOUND = '<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>';

  it("answers a flow's node only to those let in; anyone else gets what a missing node gets", async () => {
    const { description, ask } = describing(BOT, { name: 'pkg', version: '1' });
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
    assert.match(await ask('alice@example.org/x', 'info', 'sensors'), /sensor-hub/);
    const strangerOnNode = await ask('eve@evil.example/x', 'info', 'sensors');
    const strangerNowhere = await ask('eve@evil.example/x', 'info', 'no-such-node');
    const listedNobody = await ask('alice@example.org/x', 'items', 'closed');
    assert.deepEqual([strangerOnNode, strangerNowhere, listedNobody], [NOT_FOUND, NOT_FOUND, NOT_FOUND]);
    assert.equal(asked, 1, 'the flow heard only the allowed query');
  });

  it('bounds the queries waiting for the flow: beyond, resource-constraint at once', async () => {
    const { description, ask } = describing(BOT, { name: 'pkg', version: '1' });
    const held: DiscoRespond[] = [];
    const refusals: BurstLine<Refusal>[] = [];
    description.answerNode('slow', (_kind, _from, respond) => held.push(respond), {
      access: { mode: 'anyone', callers: [] },
      limits: { perCaller: 1, total: 2 },
      onRefused: (line) => refusals.push(line),
    });
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
    const { description, ask } = describing(BOT, { name: 'pkg', version: '1' }, 8 * 1024);
    let error: XmppError | undefined;
    description.answerNode(
      'many',
      (_kind, _from, respond) => {
        error = respond(Array.from({ length: 500 }, (_, i) => ({ jid: `item${i}@example.org`, name: `Item number ${i}` })));
      },
      { access: { mode: 'anyone', callers: [] } },
    );
    const answer = await ask('a@x/1', 'items', 'many');
    assert.equal(answer, NOT_FOUND);
    assert.equal(error?.code, 'too-large');
  });
});
