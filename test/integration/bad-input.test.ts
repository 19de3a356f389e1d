// Every odd thing a flow can hand to xmpp-out, one row each, in the real Node-RED runtime against
// a real Prosody. A row is either sent (the peer gets exactly the expected body, from the bot),
// refused (done(err): a Catch node gets "Error: " + the locale key, Node-RED's String(err)) or
// bounced (done() without error, but the server returns an error stanza instead of delivering).
// After every row the connection is still green, never went through another state, and the next
// good message arrives with nothing in between. A last test sends a payload over the server's
// stanza limit; it fails today (the connection drops and the next message is lost).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { NodeMessage } from 'node-red';
import type { Bounce } from '../../nodes/core/messages/messages';
import { clientOf, type XmppConnection } from '../../nodes/lib/connection';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { Prosody } from '../rig/prosody';
import { Peer, eventually, waitFor } from '../rig/peer';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const PASSWORD = 'bot-secret-b4d1';
const ALICE = 'alice@localhost';
const ALICE_FULL = 'alice@localhost/phone';

type Outcome =
  /** done() and the peer receives a message whose body is exactly this text. */
  | { sent: string; check?: (m: XmlElement) => void }
  /** done(err): a Catch node gets msg.error.message = "Error: " + this locale key (or that and more). */
  | { refused: string }
  /** done() without error, but the server answers the bot with an error stanza from `from`. */
  | { bounced: { from: string; condition: string } };

interface Row {
  name: string;
  /** Built per run: some payloads (a circular object) cannot be written as a literal. */
  msg: () => Record<string, unknown>;
  outcome: Outcome;
}

const key = (code: string): string => `xmpp-config.error.${code}`;
const INVALID_JID = { refused: key('invalid-jid') };
const NO_RECIPIENT = { refused: key('no-recipient') };
const INVALID_TYPE = { refused: key('invalid-type') };
const INVALID_PAYLOAD = { refused: key('invalid-payload') };

// 1 MiB of text with a position-dependent pattern, so a cut or a reordering would show.
const ONE_MB = Array.from({ length: 1024 * 1024 }, (_, i) => String.fromCharCode(97 + ((i * 7 + (i >> 10)) % 26))).join('');
const DATE = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789));

function circular(): Record<string, unknown> {
  const loop: Record<string, unknown> = { name: 'loop' };
  loop.self = loop;
  return loop;
}

const rows: Row[] = [
  // ── recipient ──────────────────────────────────────────────────────────────────────────
  { name: 'msg.to "not a jid" (spaces, no @)', msg: () => ({ payload: 'x', to: 'not a jid' }), outcome: INVALID_JID },
  { name: 'msg.to "@localhost" (empty local part)', msg: () => ({ payload: 'x', to: '@localhost' }), outcome: INVALID_JID },
  { name: 'msg.to "a@" (no domain)', msg: () => ({ payload: 'x', to: 'a@' }), outcome: INVALID_JID },
  { name: 'msg.to "a@b/" (empty resource)', msg: () => ({ payload: 'x', to: 'a@b/' }), outcome: INVALID_JID },
  { name: 'msg.to "" and no msg.topic, no To field', msg: () => ({ payload: 'x', to: '' }), outcome: NO_RECIPIENT },
  { name: 'msg.to "   " (only spaces: not empty, so no fallback; empty once trimmed)', msg: () => ({ payload: 'x', to: '   ' }), outcome: INVALID_JID },
  { name: 'no msg.to, no msg.topic, no To field', msg: () => ({ payload: 'x' }), outcome: NO_RECIPIENT },
  { name: 'msg.to "" falls back to msg.topic', msg: () => ({ payload: 'to via topic after empty to', to: '', topic: ALICE }), outcome: { sent: 'to via topic after empty to' } },
  { name: 'msg.topic as the recipient (what xmpp-in sets)', msg: () => ({ payload: 'to via topic', topic: ALICE }), outcome: { sent: 'to via topic' } },
  { name: 'msg.topic an MQTT-style topic "home/livingroom/temp"', msg: () => ({ payload: '21.5', topic: 'home/livingroom/temp' }), outcome: INVALID_JID },
  { name: 'msg.to "localhost": a dotless bare word is refused, even the own server', msg: () => ({ payload: 'x', to: 'localhost' }), outcome: INVALID_JID },
  {
    name: 'msg.to "example.org": a dotted domain is a server JID, sent; this server (s2s off) bounces it',
    msg: () => ({ payload: 'to a server', to: 'example.org' }),
    // Prosody 0.12 without s2s: not-allowed, "Communication with remote domains is not enabled".
    outcome: { bounced: { from: 'example.org', condition: 'not-allowed' } },
  },
  { name: 'msg.to with a 1024-char local part', msg: () => ({ payload: 'x', to: `${'a'.repeat(1024)}@localhost` }), outcome: INVALID_JID },
  { name: 'msg.to with a 1024-char resource', msg: () => ({ payload: 'x', to: `${ALICE}/${'r'.repeat(1024)}` }), outcome: INVALID_JID },
  { name: 'msg.to "alice smith@localhost" (space in the local part)', msg: () => ({ payload: 'x', to: 'alice smith@localhost' }), outcome: INVALID_JID },
  { name: 'msg.to "  alice@localhost  " (spaces around are trimmed)', msg: () => ({ payload: 'trimmed to', to: `  ${ALICE}  ` }), outcome: { sent: 'trimmed to' } },
  { name: 'msg.to "ALICE@LocalHost" (case is normalised)', msg: () => ({ payload: 'upper-case to', to: 'ALICE@LocalHost' }), outcome: { sent: 'upper-case to' } },
  {
    name: 'msg.to "alice@localhost/no such phone" (space in a resource is legal; chat to an absent resource goes to the account)',
    msg: () => ({ payload: 'to an absent resource', to: `${ALICE}/no such phone` }),
    outcome: { sent: 'to an absent resource' },
  },
  { name: 'msg.to a number (42)', msg: () => ({ payload: 'x', to: 42 }), outcome: INVALID_JID },
  { name: 'msg.to an object', msg: () => ({ payload: 'x', to: { jid: ALICE } }), outcome: INVALID_JID },
  { name: 'msg.to an array', msg: () => ({ payload: 'x', to: [ALICE] }), outcome: INVALID_JID },

  // ── payload ────────────────────────────────────────────────────────────────────────────
  { name: 'payload undefined', msg: () => ({ payload: undefined, to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload null', msg: () => ({ payload: null, to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload 0', msg: () => ({ payload: 0, to: ALICE }), outcome: { sent: '0' } },
  { name: 'payload false', msg: () => ({ payload: false, to: ALICE }), outcome: { sent: 'false' } },
  { name: 'payload true', msg: () => ({ payload: true, to: ALICE }), outcome: { sent: 'true' } },
  { name: 'payload "" (an empty body is sent)', msg: () => ({ payload: '', to: ALICE }), outcome: { sent: '' } },
  { name: 'payload NaN', msg: () => ({ payload: Number.NaN, to: ALICE }), outcome: { sent: 'NaN' } },
  { name: 'payload a BigInt (10n)', msg: () => ({ payload: 10n, to: ALICE }), outcome: { sent: '10' } },
  {
    name: 'payload a nested object (as JSON)',
    msg: () => ({ payload: { a: 1, b: { c: [true, null, 'x'] } }, to: ALICE }),
    outcome: { sent: '{"a":1,"b":{"c":[true,null,"x"]}}' },
  },
  { name: 'payload an array (as JSON)', msg: () => ({ payload: [1, 'two', { three: 3 }], to: ALICE }), outcome: { sent: '[1,"two",{"three":3}]' } },
  { name: 'payload a circular object', msg: () => ({ payload: circular(), to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload an object holding a BigInt (JSON cannot)', msg: () => ({ payload: { n: 10n }, to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload a Date (ISO 8601 text)', msg: () => ({ payload: DATE, to: ALICE }), outcome: { sent: '2024-02-29T12:34:56.789Z' } },
  { name: 'payload a function', msg: () => ({ payload: () => 'hello', to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload a Symbol', msg: () => ({ payload: Symbol('s'), to: ALICE }), outcome: INVALID_PAYLOAD },
  { name: 'payload a Buffer of UTF-8', msg: () => ({ payload: Buffer.from('Grüße 🌍', 'utf8'), to: ALICE }), outcome: { sent: 'Grüße 🌍' } },
  {
    name: 'payload a Buffer with invalid UTF-8 (each bad byte becomes U+FFFD)',
    msg: () => ({ payload: Buffer.from([0x68, 0x69, 0xff, 0xc3, 0x28, 0x21]), to: ALICE }),
    outcome: { sent: 'hi\uFFFD\uFFFD(!' },
  },
  { name: 'payload a 1 MiB string (arrives whole)', msg: () => ({ payload: ONE_MB, to: ALICE }), outcome: { sent: ONE_MB } },
  {
    name: 'payload with XML-forbidden controls \\u0000 \\u0007 \\u001b (removed; tab and newline kept)',
    msg: () => ({ payload: 'a\u0000b\u0007c\u001bd\te\nf', to: ALICE }),
    outcome: { sent: 'abcd\te\nf' },
  },
  { name: 'payload with a lone surrogate \\ud800 (removed)', msg: () => ({ payload: 'before\uD800after', to: ALICE }), outcome: { sent: 'beforeafter' } },
  { name: 'payload with emoji and RTL text (unchanged)', msg: () => ({ payload: '🚀👩‍💻 שלום مرحبا ‏x', to: ALICE }), outcome: { sent: '🚀👩‍💻 שלום مرحبا ‏x' } },
  {
    name: 'payload XML markup "<b>&amp;</b>" (the same text, not markup)',
    msg: () => ({ payload: '<b>&amp;</b>', to: ALICE }),
    outcome: {
      sent: '<b>&amp;</b>',
      check: (m) => assert.deepEqual(m.getChild('body')?.getChildElements().map((e) => e.name), [], 'the body has no child elements'),
    },
  },

  // ── type, subject, thread ──────────────────────────────────────────────────────────────
  { name: 'msg.type "shout" (unknown)', msg: () => ({ payload: 'x', to: ALICE, type: 'shout' }), outcome: INVALID_TYPE },
  { name: 'msg.type "error" (a bounce type, never sent by us)', msg: () => ({ payload: 'x', to: ALICE, type: 'error' }), outcome: INVALID_TYPE },
  {
    name: 'msg.type "groupchat" to a bare user JID (sent; the server bounces it)',
    msg: () => ({ payload: 'groupchat to a bare JID', to: ALICE, type: 'groupchat' }),
    outcome: { bounced: { from: ALICE, condition: 'service-unavailable' } },
  },
  {
    name: 'msg.type "groupchat" to an online full JID (delivered as groupchat)',
    msg: () => ({ payload: 'groupchat to a full JID', to: ALICE_FULL, type: 'groupchat' }),
    outcome: { sent: 'groupchat to a full JID', check: (m) => assert.equal(m.attrs.type, 'groupchat') },
  },
  { name: 'msg.subject an object', msg: () => ({ payload: 'x', to: ALICE, subject: { text: 'hi' } }), outcome: INVALID_PAYLOAD },
  {
    name: 'msg.thread a number (sent as text)',
    msg: () => ({ payload: 'numbered thread', to: ALICE, thread: 42 }),
    outcome: { sent: 'numbered thread', check: (m) => assert.equal(m.getChildText('thread'), '42') },
  },
];

const counts = {
  sent: rows.filter((r) => 'sent' in r.outcome).length,
  refused: rows.filter((r) => 'refused' in r.outcome).length,
  bounced: rows.filter((r) => 'bounced' in r.outcome).length,
};

/** Equality that, for long texts, says where they part instead of printing a megabyte. */
function sameText(actual: string | null | undefined, expected: string, what: string): void {
  if (actual === expected) return;
  if (typeof actual === 'string' && (actual.length > 200 || expected.length > 200)) {
    let i = 0;
    while (i < actual.length && actual[i] === expected[i]) i++;
    assert.fail(`${what}: ${actual.length} chars, expected ${expected.length}; first difference at ${i}`);
  }
  assert.equal(actual, expected, what);
}

interface Caught extends NodeMessage {
  error: { message: string; source?: { id: string } };
}

describe(`bad input to xmpp-out: ${rows.length} rows (${counts.sent} sent, ${counts.refused} refused, ${counts.bounced} bounced by the server)`, function () {
  this.timeout(30_000);
  let prosody: Prosody;
  let bot: string;
  let alice: Peer;
  /** Messages alice got from anyone, in order. */
  const inbox: XmlElement[] = [];
  /** Messages the bot's connection got (for bounces). */
  /** Messages of the bot's that came back (bounces). */
  const botInbox: Bounce[] = [];
  const caught: Caught[] = [];
  const completed: NodeMessage[] = [];
  let unsubscribe: () => void = () => undefined;
  /** How many status calls xmpp-out had when it first went green. */
  let statusBaseline = 0;

  const flow = (): FlowNode[] => [
    { id: 'f1', type: 'tab', label: 'bad input' },
    // The rig's Prosody takes stanzas up to 2 MiB; the connection's own limit is raised to match.
    configNode('cfg', `${bot}/flows`, prosody.port, { maxStanzaKB: '2000' }),
    { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: '', msgType: 'chat', subject: '', failFast: false, wires: [] },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
    { id: 'finisher', type: 'complete', z: 'f1', scope: ['out'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'f1' },
  ];

  function outStatuses(): Array<{ fill?: string; text?: string }> {
    const out = getNode('out');
    return out.status
      .getCalls()
      .filter((call) => call.thisValue === out)
      .map((call) => call.args[0] as { fill?: string; text?: string });
  }

  before(async function () {
    this.timeout(60_000);
    await startServer();
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', PASSWORD);
    await prosody.register('alice', 'alice-pw');
    alice = await Peer.connect({ port: prosody.port, jid: ALICE, password: 'alice-pw', resource: 'phone' });
    alice.on('message', (m: XmlElement) => inbox.push(m));
    await helper.load(nodes, flow(), { cfg: { password: PASSWORD } });
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
    getNode('completed').on('input', (msg: NodeMessage) => completed.push(msg));
    await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'xmpp-out green');
    statusBaseline = outStatuses().length;
    unsubscribe = clientOf(getNode('cfg') as unknown as XmppConnection).messages.onBounce((bounced) => botInbox.push(bounced));
  });

  after(async () => {
    unsubscribe();
    await helper.unload();
    await alice?.stop();
    await prosody?.stop();
    await stopServer();
  });

  it('the table has at least 35 rows and every outcome kind', () => {
    assert.ok(rows.length >= 35, `${rows.length} rows`);
    assert.ok(counts.sent > 0 && counts.refused > 0 && counts.bounced > 0);
  });

  rows.forEach((row, index) => {
    const label = `${String(index + 1).padStart(2, '0')}/${rows.length}`;
    const kind = Object.keys(row.outcome)[0];
    it(`[${label}] ${kind}: ${row.name}`, async () => {
      const out = getNode('out');
      const rowId = `row-${index + 1}-${randomBytes(4).toString('hex')}`;
      const inboxMark = inbox.length;
      const caughtMark = caught.length;
      const completedMark = completed.length;
      const botMark = botInbox.length;
      const outcome = row.outcome;

      // What must happen for this row, armed before the msg goes in.
      const finished =
        'refused' in outcome
          ? waitFor(getNode('caught'), 'input', (m: Caught) => (m._msgid === rowId ? m : undefined), 10_000, `a Catch for ${rowId}`)
          : waitFor(getNode('completed'), 'input', (m: NodeMessage) => (m._msgid === rowId ? m : undefined), 10_000, `done() for ${rowId}`);
      const delivered = 'sent' in outcome ? alice.nextMessage((m) => m.getChild('body') !== undefined && m.attrs.from === `${bot}/flows`, 10_000) : undefined;
      const bounce =
        'bounced' in outcome
          ? eventually(
              () => botInbox.slice(botMark).find((m) => m.from === outcome.bounced.from),
              (m) => m !== undefined,
              10_000,
              `an error stanza from ${outcome.bounced.from}`,
            )
          : undefined;

      out.receive({ ...row.msg(), _msgid: rowId } as NodeMessage);

      if ('refused' in outcome) {
        const m = (await finished) as Caught;
        // Node-RED's Catch gets String(err), hence the "Error: " before the text (the key, under the test helper).
        const message = m.error.message;
        const expected = `Error: ${outcome.refused}`;
        assert.ok(message === expected || message.startsWith(`${expected} `), `error "${message.slice(0, 200)}", expected ${expected}`);
        assert.equal(m.error.source?.id, 'out');
      } else {
        await finished;
      }
      if ('sent' in outcome) {
        const m = (await delivered) as XmlElement;
        sameText(m.getChildText('body'), outcome.sent, 'body');
        assert.equal(m.attrs.from, `${bot}/flows`);
        outcome.check?.(m);
      }
      if ('bounced' in outcome) {
        const m = (await bounce) as Bounce;
        const condition = m.condition;
        assert.equal(condition, outcome.bounced.condition, `bounce ${m.stanza.slice(0, 400)}`);
      }

      // The connection is still up and the next good message (after this row's) arrives.
      const good = `good after row ${index + 1} ${randomBytes(4).toString('hex')}`;
      const goodArrived = alice.nextMessage((m) => m.getChildText('body') === good, 10_000);
      out.receive({ payload: good, to: ALICE } as NodeMessage);
      await goodArrived;

      // Exactly this row's message (or none) came before it: nothing extra, nothing from a retry.
      const bodies = inbox.slice(inboxMark).map((m) => m.getChildText('body'));
      const expectedBodies = 'sent' in outcome ? [outcome.sent, good] : [good];
      assert.equal(bodies.length, expectedBodies.length, `alice got ${bodies.length} messages: ${JSON.stringify(bodies.map((b) => b?.slice(0, 60)))}`);
      assert.equal(bodies[bodies.length - 1], good);
      assert.ok(inbox.slice(inboxMark).every((m) => m.attrs.from === `${bot}/flows`), 'everything came from the bot');
      // One outcome per row: a refused row never completes, a sent one is never caught.
      const rowCaught = caught.slice(caughtMark);
      const rowCompleted = completed.slice(completedMark).filter((m) => m._msgid === rowId);
      if ('refused' in outcome) {
        assert.equal(rowCaught.length, 1, 'one Catch');
        assert.equal(rowCompleted.length, 0, 'no done() without error');
      } else if ('bounced' in outcome) {
        // Written, so done(); then the bounce reaches the Catch node through the connection.
        await eventually(() => caught.length - caughtMark, (n) => n >= 1, 5000, 'the bounce at the Catch node');
        const bounces = caught.slice(caughtMark);
        assert.deepEqual(bounces.map((m) => (m.error as { code?: string }).code), ['bounced'], 'one Catch for the bounce');
        assert.equal((bounces[0] as unknown as { xmpp: { condition: string } }).xmpp.condition, outcome.bounced.condition);
        assert.equal(rowCompleted.length, 1, 'one done()');
      } else {
        assert.deepEqual(rowCaught.map((m) => m.error.message), [], 'no Catch');
        assert.equal(rowCompleted.length, 1, 'one done()');
      }
      // The node stayed green the whole time: no reconnect, no retry, no error status.
      const statuses = outStatuses();
      assert.equal(lastStatus('out')?.fill, 'green');
      assert.deepEqual(
        statuses.slice(statusBaseline).filter((s) => s.fill !== 'green'),
        [],
        'no status other than green since the first connect',
      );
    });
  });

  it('after all rows: one session for the bot, never replaced', async () => {
    const sessions = await prosody.sessionJids(bot);
    assert.deepEqual(sessions, [`${bot}/flows`]);
    assert.equal(caught.length, counts.refused + counts.bounced);
  });

  // This Prosody accepts stanzas up to 2 MiB (its default is 256 KiB); above that it closes the
  // stream with policy-violation "XML stanza is too big". The connection's limit refuses it first.
  it('a payload over the server\'s stanza limit (3 MiB) is refused as too-large, and the next message is not lost', async function () {
    this.timeout(25_000);
    const out = getNode('out');
    const rowId = `oversize-${randomBytes(4).toString('hex')}`;
    const big = 'z'.repeat(3 * 1024 * 1024);
    const inboxMark = inbox.length;
    const statusMark = outStatuses().length;
    const refused = waitFor(getNode('caught'), 'input', (m: Caught) => (m._msgid === rowId ? 'refused' : undefined), 10_000);
    const done = waitFor(getNode('completed'), 'input', (m: NodeMessage) => (m._msgid === rowId ? 'done' : undefined), 10_000);
    out.receive({ payload: big, to: ALICE, _msgid: rowId } as NodeMessage);
    const result = await Promise.race([refused, done]);
    void refused.catch(() => undefined);
    void done.catch(() => undefined);

    const good = `good after the oversize payload ${randomBytes(4).toString('hex')}`;
    const goodArrived = alice.nextMessage((m) => m.getChildText('body') === good, 10_000);
    out.receive({ payload: good, to: ALICE } as NodeMessage);
    await goodArrived.catch((error: unknown) => {
      const seen = outStatuses().slice(statusMark).map((st) => st.text);
      throw new Error(`the next good message was lost (${String(error)}); the oversize msg ended with ${result === 'done' ? 'done(), as if sent' : 'done(err)'}; statuses since: ${JSON.stringify(seen)}`);
    });
    assert.equal(result, 'refused');
    assert.equal((caught.at(-1) as unknown as { error: { code?: string } }).error.code, 'too-large');
    assert.deepEqual(inbox.slice(inboxMark).map((m) => m.getChildText('body')), [good]);
    assert.deepEqual(outStatuses().slice(statusMark).filter((s) => s.fill !== 'green'), [], 'the connection stayed up');
  });
});
