// What we write is always valid XML within the server's limit, and a stanza the server refuses
// anyway costs at most two reconnects, never a loop: against a real Prosody, each bad stanza is
// refused (or cleaned, or dropped once), the connection stays up, and the next message arrives.
import { strict as assert } from 'node:assert';
import type { NodeMessage, NodeStatus } from 'node-red';
import { parseJid } from '../../nodes/core/jid';
import type { Session } from '../../nodes/core/session/session';
import { loadXmpp, xmppLib } from '../../nodes/core/xmpp-lib';
import { coreSession } from '../rig/core-client';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-secret-gate';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
type Caught = NodeMessage & { error: { message: string; code?: string } };

function conditionOf(iq: XmlElement): string | undefined {
  return iq.getChild('error')?.getChildElements().find((el) => el.attrs.xmlns === NS_STANZAS)?.name;
}

describe('what we write: valid, within the limit, and never a loop', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  let aliceJid: string;
  let count = 0;

  before(async () => {
    await loadXmpp();
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', PASSWORD);
    aliceJid = await prosody.register('alice', 'alice-pw');
    alice = await Peer.connect({ port: prosody.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
  });

  after(async () => {
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  describe('through xmpp-out', () => {
    const caught: Caught[] = [];
    const statuses: NodeStatus[] = [];

    beforeEach(async () => {
      caught.length = 0;
      statuses.length = 0;
      const flow: FlowNode[] = [
        { id: 'f1', type: 'tab', label: 'gate' },
        configNode('cfg', `${bot}/flows`, prosody.port),
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', wires: [] },
        { id: 'raw-iq', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'raw', iqType: 'get', timeout: '5', wires: [['raw-answer']] },
        { id: 'raw-answer', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
      ];
      await helper.load(nodes, flow, { cfg: { password: PASSWORD } });
      getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
      await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'a green status');
      // From here on every status the node gets is recorded: the connection must not flicker.
      const out = getNode('out');
      const original = out.status.bind(out);
      out.status = ((status: NodeStatus) => {
        statuses.push(status);
        return original(status);
      }) as typeof out.status;
    });

    afterEach(async () => {
      await helper.unload();
    });

    /** A fresh message gets through, and the connection never left green. */
    async function stillUp(): Promise<void> {
      const text = `next good message ${++count}`;
      const arrived = alice.nextMessage((m) => m.getChildText('body') === text);
      getNode('out').receive({ payload: text, to: aliceJid } as NodeMessage);
      await arrived;
      assert.deepEqual(statuses.filter((s) => s.fill !== 'green'), [], 'the connection stayed up');
    }

    async function refusal(): Promise<Caught> {
      return eventually(() => caught[0], (c) => c !== undefined, 10_000, 'a Catch node message');
    }

    it('a recipient with U+FFFE in its resource is refused (invalid-jid), nothing is sent', async () => {
      getNode('out').receive({ payload: 'x', to: `${aliceJid}/ph\uFFFEone` } as NodeMessage);
      const got = await refusal();
      assert.equal(got.error.code, 'invalid-jid');
      await stillUp();
    });

    it('a lone surrogate or U+FFFF anywhere in a recipient is refused', async () => {
      for (const to of [`al\uD800ice@localhost`, `alice@local\uFFFFhost`, `alice@localhost/\uDC00`]) {
        caught.length = 0;
        getNode('out').receive({ payload: 'x', to } as NodeMessage);
        assert.equal((await refusal()).error.code, 'invalid-jid', JSON.stringify(to));
      }
      await stillUp();
    });

    it('a roster name and group with characters XML forbids are cleaned, and the roster change goes through', async () => {
      const botPeer = await Peer.connect({ port: prosody.port, jid: bot, password: PASSWORD, resource: 'watch', presence: false });
      try {
        const roster = waitFor(botPeer, 'iq', (iq: XmlElement) => (iq.attrs.id === 'watch-roster' ? iq : undefined), 5000, 'the roster');
        await botPeer.sendRaw(botPeer.xml('iq', { type: 'get', id: 'watch-roster' }, botPeer.xml('query', { xmlns: 'jabber:iq:roster' })));
        await roster;
        const push = waitFor(botPeer, 'iq', (iq: XmlElement) => iq.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.jid === 'carol@localhost' ? iq : undefined, 10_000, 'the roster push');
        getNode('out').receive({ roster: 'add', to: 'carol@localhost', name: 'Ca\u0001rol\uFFFE the \uD800second' } as unknown as NodeMessage);
        const item = (await push).getChild('query', 'jabber:iq:roster')?.getChild('item');
        assert.equal(item?.attrs.name, 'Carol the second');
        assert.deepEqual(caught, []);
      } finally {
        await botPeer.stop();
      }
      await stillUp();
    });

    it('a raw IQ whose child carries U+FFFF in an attribute is refused (invalid-payload), nothing is sent', async () => {
      getNode('raw-iq').receive({ payload: `<query xmlns='urn:example:x' note='a\uFFFFb'/>`, to: 'localhost' } as NodeMessage);
      const got = await refusal();
      assert.equal(got.error.code, 'invalid-payload');
      await stillUp();
    });
  });

  describe('answers to IQs (the session alone)', () => {
    let session: Session;

    before(async () => {
      const made = coreSession({ jid: parseJid(`${bot}/answers`), password: PASSWORD, port: prosody.port, maxStanzaBytes: 64 * 1024 });
      session = made.session;
      const xml = xmppLib().xml;
      made.responder.handle('get', 'urn:example:big', 'query', () => xml('query', { xmlns: 'urn:example:big' }, 'x'.repeat(100 * 1024)));
      session.start();
      await eventually(() => session.online, (on) => on, 10_000, 'the session online');
    });

    after(async () => {
      await session?.stop();
    });

    async function ask(child: XmlElement): Promise<XmlElement> {
      const id = `ask-${++count}`;
      const answer = waitFor(alice, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 5000, 'the answer');
      await alice.sendRaw(alice.xml('iq', { type: 'get', to: `${bot}/answers`, id }, child));
      return answer;
    }

    it('an answer larger than the limit becomes resource-constraint, not a stream error', async () => {
      const answer = await ask(alice.xml('query', { xmlns: 'urn:example:big' }));
      assert.equal(answer.attrs.type, 'error');
      assert.equal(conditionOf(answer), 'resource-constraint');
      assert.ok(session.online);
    });

    it('an error answer never copies the request: a 200 KB query gets a small service-unavailable', async () => {
      const answer = await ask(alice.xml('query', { xmlns: 'urn:example:unknown' }, 'y'.repeat(200 * 1024)));
      assert.equal(answer.attrs.type, 'error');
      assert.equal(conditionOf(answer), 'service-unavailable');
      assert.equal(answer.getChild('query'), undefined, 'the request is not copied');
      assert.ok(answer.toString().length < 1024);
      assert.ok(session.online);
    });
  });

  describe('a stanza the server refuses anyway (our limit is above the server\'s)', () => {
    let strict: Prosody;
    let peer: Peer;

    before(async () => {
      strict = await Prosody.start({ iterations: 100, stanzaLimit: 256 * 1024 });
      await strict.register('bot', PASSWORD);
      await strict.register('alice', 'alice-pw');
      peer = await Peer.connect({ port: strict.port, jid: aliceJid, password: 'alice-pw', resource: 'phone' });
    });

    after(async () => {
      await peer?.stop();
      await strict?.stop();
    });

    it('is dropped after two stream errors with a poison error to its node; the connection comes back and the next message arrives', async () => {
      const caught: Caught[] = [];
      await helper.load(
        nodes,
        [
          { id: 'f1', type: 'tab', label: 'poison' },
          configNode('cfg', `${bot}/flows`, strict.port, { maxStanzaKB: '1024' }),
          { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: aliceJid, msgType: 'chat', subject: '', wires: [] },
          { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
          { id: 'caught', type: 'helper', z: 'f1' },
        ],
        { cfg: { password: PASSWORD } },
      );
      getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
      await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'a green status');
      const logFrom = strict.log().length;
      getNode('out').receive({ payload: 'z'.repeat(300 * 1024), topic: 'too big for this server' } as NodeMessage);
      const poison = await eventually(() => caught.find((c) => c.error.code === 'poison'), (c) => c !== undefined, 30_000, 'the poison error');
      assert.equal(poison?.topic, 'too big for this server', 'the error comes with the msg that was dropped');
      await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'green again');
      const arrived = peer.nextMessage((m) => m.getChildText('body') === 'after the poison');
      getNode('out').receive({ payload: 'after the poison' } as NodeMessage);
      await arrived;
      const logins = (strict.log().slice(logFrom).match(/Authenticated as bot@localhost/g) ?? []).length;
      console.log(`      poison: ${logins} new logins of the bot (the issue saw 6-7 in 75 s, and nothing else got through), then the next message was delivered`);
      assert.ok(logins <= 2, `${logins} new logins: the stanza was sent again and again`);
      await helper.unload();
    });
  });
});
