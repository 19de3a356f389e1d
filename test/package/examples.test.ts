// The example flows of the package (Import → Examples), each deployed from its file into a real
// Node-RED process with the packed package, its account pointed at a real Prosody, and driven from
// outside: a person's XMPP client (Peer) and HTTP calls to the flow's own endpoints.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, hostname } from 'node:os';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { call, deployExample, exampleFiles, knownTypes, loadExample, SHARED_ACCOUNT_ID, withNode, type Deployed } from '../rig/examples';
import { NodeRedProcess, type EchoBotAccount, type FlowNode, printLogsIfFailed } from '../rig/node-red-process';
import { eventually, Peer, waitFor } from '../rig/peer';
import { freePort, Prosody } from '../rig/prosody';

const MODULE = 'node-red-contrib-xmpp-flows';
const FILES = [
  '01 - Commit notification.json',
  '02 - Presence-gated notification.json',
  '03 - Dial-up presence.json',
  '04 - Uptime alerts.json',
  '05 - Build bot.json',
];

/** What example 3 announces: "up" and the first non-internal IPv4 address (or the host name). */
function expectedUpStatus(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) return `up ${entry.address}`;
    }
  }
  return `up ${hostname()}`;
}

describe('the example flows in a real Node-RED', function () {
  this.timeout(30_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let you: Peer;
  /** Someone the bot's owner never added: the examples must not serve them. */
  let stranger: Peer;
  let bot: string;
  let account: EchoBotAccount;
  let deployed: Deployed | undefined;
  let iqCount = 0;
  let befriended = false;

  const bare = (jid: string | undefined): string => (jid ?? '').split('/')[0] as string;
  const fromBot = (stanza: XmlElement): boolean => bare(stanza.attrs.from) === bot;
  const botAvailable = (p: XmlElement): boolean => fromBot(p) && p.attrs.type === undefined;

  /** The bot's next available presence after `action` (e.g. a deploy): it is online again. */
  async function botComesOnline(action: () => Promise<unknown>, match: (p: XmlElement) => boolean = botAvailable): Promise<XmlElement> {
    const online = you.nextPresence(match, 15_000);
    await action();
    return online;
  }

  /**
   * A round trip to the bot's session: stanzas we sent before it have been handled by the bot
   * once the answer (a result or an error) comes back, since one stream keeps its order.
   */
  async function barrier(botFullJid: string, peer: Peer = you): Promise<void> {
    const id = `barrier-${++iqCount}`;
    const answered = waitFor(peer, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 10_000, 'the bot answering an iq');
    await peer.sendRaw(peer.xml('iq', { type: 'get', to: botFullJid, id }, peer.xml('ping', { xmlns: 'urn:xmpp:ping' })));
    await answered;
  }

  /** A command as a server delivers it when it kept it for a while: with a delay stamp (XEP-0203) of `minutes` ago. */
  function sendKept(to: string, body: string, minutes: number): Promise<void> {
    const stamp = new Date(Date.now() - minutes * 60_000).toISOString();
    return you.send(to, body, {}, you.xml('delay', { xmlns: 'urn:xmpp:delay', from: 'localhost', stamp }));
  }

  /** Messages the bot sent to a peer since index `from` of what it received. */
  const fromBotSince = (peer: Peer, from: number): XmlElement[] => peer.received.slice(from).filter((m) => m.name === 'message' && fromBot(m));

  const showPresence = (show?: string): Promise<void> =>
    you.sendRaw(you.xml('presence', {}, ...(show ? [you.xml('show', {}, show)] : [])));

  before(async function () {
    this.timeout(90_000);
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', 'bot-secret');
    await prosody.register('you', 'your-secret');
    await prosody.register('stranger', 'stranger-secret');
    account = { jid: bot, password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    // Example 4 polls the load every UPTIME_INTERVAL_S seconds: quick here.
    red = await NodeRedProcess.start({ env: { UPTIME_INTERVAL_S: '0.3' } });
    you = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'your-secret', resource: 'laptop' });
    stranger = await Peer.connect({ port: prosody.port, jid: 'stranger@localhost', password: 'stranger-secret', resource: 'anywhere' });
    // Whatever the bot asks, we grant: we add the bot to our contacts like a person would.
    you.on('presence', (p: XmlElement) => {
      if (fromBot(p) && p.attrs.type === 'subscribe') void you.sendRaw(you.xml('presence', { to: bot, type: 'subscribed' }));
    });
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async function () {
    this.timeout(30_000);
    await you?.stop();
    await stranger?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  /**
   * Deploys an example and checks it loaded whole: every node is there, nothing missing or failing.
   * Resolves with the bot's available presence once it is online (seen by us once we are its contact).
   */
  async function deploy(file: string, adjust?: (flow: FlowNode[]) => FlowNode[]): Promise<XmlElement | undefined> {
    if (!befriended) {
      deployed = await deployExample(red, file, account, adjust);
      await eventually(() => prosody.sessionCount(bot), (n) => n === 1, 10_000, 'the bot online');
      return undefined;
    }
    const online = await botComesOnline(async () => {
      deployed = await deployExample(red, file, account, adjust);
    });
    const { flows } = await red.getFlows();
    assert.deepEqual(flows.map((n) => n.id).sort(), deployed!.flow.map((n) => n.id).sort(), 'every node of the example is deployed');
    return online;
  }

  afterEach(function () {
    if (!deployed) return;
    assert.deepEqual(deployed.trouble(), [], 'no missing types or errors in the log');
  });

  describe('the files', function () {
    it('are flows of a tab and its nodes, with one shared account node, of types Node-RED knows', async function () {
      // Examples 6 and on are tested in their own files; the shared checks below cover every file.
      assert.deepEqual(exampleFiles().slice(0, FILES.length), FILES);
      const known = await knownTypes(red);
      for (const file of exampleFiles()) {
        const flow = loadExample(file);
        const tabs = flow.filter((n) => n.type === 'tab');
        assert.equal(tabs.length, 1, `${file}: one tab`);
        const configs = flow.filter((n) => n.type === 'xmpp-config');
        assert.deepEqual(configs.map((n) => n.id), [SHARED_ACCOUNT_ID], `${file}: the shared account node`);
        const config = configs[0]!;
        assert.equal(config.security, 'starttls', `${file}: STARTTLS`);
        assert.equal(config.trust, 'system', `${file}: the system's CAs`);
        // Not "everyone": a stranger who subscribes would see the bot's presence (in example 3, the host's address).
        assert.equal(config.subscriptions, 'roster', `${file}: subscriptions`);
        assert.equal(config.credentials, undefined, `${file}: no password in the file`);
        assert.ok(flow.some((n) => n.type === 'comment' && String(n.info ?? '').length > 100), `${file}: a comment explains the setup`);
        for (const node of flow) {
          if (node.type === 'tab' || node.type === 'xmpp-config') continue;
          assert.equal(node.z, tabs[0]!.id, `${file}: ${node.id} is on the tab`);
          assert.ok(known.has(node.type), `${file}: Node-RED knows the type ${node.type}`);
        }
        for (const node of flow.filter((n) => n.type === 'http in')) {
          assert.match(String(node.url), /^\/xmpp\//, `${file}: endpoints live under /xmpp/`);
        }
        // The account node's settings are the same in every file, or importing a second example would change the first.
        assert.deepEqual(config, loadExample(FILES[0]!).find((n) => n.type === 'xmpp-config'), `${file}: same account settings`);
      }
    });

    it('are listed under the package in Node-RED\'s examples library (GET /library/examples/flows/…)', async function () {
      const modules = (await (await red.get('/library/examples/flows/')).json()) as unknown;
      assert.ok(Array.isArray(modules) ? modules.includes(MODULE) : JSON.stringify(modules).includes(MODULE), `modules with examples: ${JSON.stringify(modules)}`);
      // Node-RED 4 lists a module's example flows as [{fn: name without .json}, …].
      const listing = (await (await red.get(`/library/examples/flows/${MODULE}`)).json()) as Array<{ fn?: string }>;
      const names = listing.map((entry) => entry.fn);
      for (const file of exampleFiles()) assert.ok(names.includes(file.replace(/\.json$/, '')), `${file} listed: ${JSON.stringify(listing)}`);
      const first = (await (await red.get(`/library/examples/flows/${MODULE}/${encodeURIComponent(FILES[0]!.replace(/\.json$/, ''))}`)).json()) as unknown[];
      assert.deepEqual(first, loadExample(FILES[0]!), 'the editor imports the file as it is');
    });
  });

  /**
   * The outside test's `to=al%EF%BF%BEice@…` (U+FFFE) and its kin: each answered 400 by the flow's
   * own check, with a text that names the character, before anything is sent.
   */
  async function refusesBadJids(path: string): Promise<void> {
    const cases: Array<[string, string]> = [
      ['al%EF%BF%BEice@localhost', 'U+FFFE'],
      ['al%EF%BF%BFice@localhost', 'U+FFFF'],
      ['al%01ice@localhost', 'U+0001'],
      ['you@localhost/ph%0Aone', 'U+000A'],
      ['al%EF%BF%BDice@localhost', 'U+FFFD'], // the replacement character: text that was not UTF-8
      ['al%EF%B7%90ice@localhost', 'U+FDD0'],
    ];
    for (const [to, named] of cases) {
      const answer = await call(red, `${path}?to=${to}`, 'text');
      assert.equal(answer.status, 400, `${to}: ${JSON.stringify(answer.json)}`);
      assert.equal((answer.json as { error: string }).error, `"to" holds the character ${named}, which no JID may hold`, to);
    }
    const long = await call(red, `${path}?to=${'a'.repeat(1024)}@localhost`, 'text');
    assert.equal(long.status, 400);
    assert.match((long.json as { error: string }).error, /too long/);
  }

  describe('1. commit notification (POST /xmpp/notify)', function () {
    before(async function () {
      // What the examples' notes ask of the owner once: log in as the bot with any client and add
      // the person. Then the person is in the bot's roster, and the bot (subscriptions "roster")
      // accepts them when they ask to see its presence.
      const botClient = await Peer.connect({ port: prosody.port, jid: bot, password: 'bot-secret', resource: 'setup' });
      await botClient.befriend(you);
      await botClient.stop();
      befriended = true;
      await deploy(FILES[0]!); // resolves once we see the bot online: it accepted us
    });

    it('sends the body to the JID with the given subject and answers 200', async function () {
      const message = you.nextMessage(fromBot);
      const answer = await call(red, '/xmpp/notify?to=you@localhost&subject=Commit%20abc123', 'src/main.c: fixed the parser\n');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { sent: true });
      const got = await message;
      assert.equal(got.getChildText('subject'), 'Commit abc123');
      assert.equal(got.getChildText('body'), 'src/main.c: fixed the parser\n');
      assert.equal(got.attrs.type, 'normal');
    });

    it('uses the subject "CVS Watch Alarm" when none is given', async function () {
      const message = you.nextMessage(fromBot);
      const answer = await call(red, '/xmpp/notify?to=you@localhost', 'module edited');
      assert.equal(answer.status, 200);
      const got = await message;
      assert.equal(got.getChildText('subject'), 'CVS Watch Alarm');
      assert.equal(got.getChildText('body'), 'module edited');
    });

    it('answers 400 for a missing JID, one that is no JID, and one the node refuses', async function () {
      const missing = await call(red, '/xmpp/notify', 'text');
      assert.equal(missing.status, 400);
      assert.match(String((missing.json as { error: string }).error), /missing/);
      const notJid = await call(red, '/xmpp/notify?to=nobody', 'text');
      assert.equal(notJid.status, 400);
      // Passes the flow's own check but not the node's (a forbidden character): the Catch node answers.
      const refused = await call(red, `/xmpp/notify?to=${encodeURIComponent('a<b@localhost')}`, 'text');
      assert.equal(refused.status, 400);
      assert.equal((refused.json as { error: string }).error, 'invalid-jid');
      const empty = await call(red, '/xmpp/notify?to=you@localhost', '');
      assert.equal(empty.status, 400);
    });

    it('answers 400 with a clear text for a JID holding a character no JID may hold, and the next notification still goes out', async function () {
      await refusesBadJids('/xmpp/notify');
      const message = you.nextMessage(fromBot);
      const answer = await call(red, '/xmpp/notify?to=you@localhost', 'after the bad ones');
      assert.equal(answer.status, 200);
      assert.equal((await message).getChildText('body'), 'after the bad ones');
    });
  });

  describe('2. presence-gated notification (POST /xmpp/notify-when-present)', function () {
    let botFull: string;

    before(async function () {
      const online = await deploy(FILES[1]!);
      botFull = online!.attrs.from!;
      await barrier(botFull);
    });

    it('delivers at once to a present person: 200 {"sent": true}', async function () {
      const message = you.nextMessage(fromBot);
      const answer = await call(red, '/xmpp/notify-when-present?to=you@localhost&subject=Deploy', 'deployed v2');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { sent: true });
      const got = await message;
      assert.equal(got.getChildText('subject'), 'Deploy');
      assert.equal(got.getChildText('body'), 'deployed v2');
    });

    it('holds it while the person is "do not disturb" (202) and delivers it exactly once when they are back', async function () {
      await showPresence('dnd');
      await barrier(botFull);
      const before = you.received.length;
      const answer = await call(red, '/xmpp/notify-when-present?to=you@localhost', 'held for later');
      assert.equal(answer.status, 202);
      assert.deepEqual(answer.json, { held: true });
      await barrier(botFull);
      assert.equal(you.received.slice(before).filter((s) => s.name === 'message').length, 0, 'nothing delivered while dnd');

      const message = you.nextMessage((m) => fromBot(m) && m.getChildText('body') === 'held for later');
      await showPresence();
      const got = await message;
      assert.equal(got.getChildText('subject'), 'CVS Watch Alarm');
      // A bounded watch window: a second copy would come right after the first.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const copies = you.received.filter((s) => s.name === 'message' && s.getChildText('body') === 'held for later');
      assert.equal(copies.length, 1, 'delivered exactly once');
    });

    it('answers 400 for a missing or invalid JID', async function () {
      assert.equal((await call(red, '/xmpp/notify-when-present', 'x')).status, 400);
      assert.equal((await call(red, '/xmpp/notify-when-present?to=nobody', 'x')).status, 400);
      const refused = await call(red, `/xmpp/notify-when-present?to=${encodeURIComponent('a<b@localhost')}`, 'x');
      assert.equal(refused.status, 400);
      assert.equal((refused.json as { error: string }).error, 'invalid-jid');
    });

    it('answers 400 with a clear text for a JID holding a character no JID may hold, and the next notification still goes out', async function () {
      await refusesBadJids('/xmpp/notify-when-present');
      const message = you.nextMessage((m) => fromBot(m) && m.getChildText('body') === 'after the bad ones');
      const answer = await call(red, '/xmpp/notify-when-present?to=you@localhost', 'after the bad ones');
      assert.equal(answer.status, 200);
      await message;
    });
  });

  describe('3. dial-up presence (POST /xmpp/presence)', function () {
    const botShows = (show: string, status: string) => (p: XmlElement) =>
      botAvailable(p) && p.getChildText('show') === show && p.getChildText('status') === status;

    it('is available with "up <address>" while the flow runs', async function () {
      await deploy(FILES[2]!);
      await you.nextPresence((p) => botAvailable(p) && p.getChildText('status') === expectedUpStatus(), 10_000);
    });

    it('does not accept everyone\'s subscription: a stranger who asks never sees the address', async function () {
      const botFull = (await prosody.sessionJids(bot))[0] as string;
      const before = stranger.received.length;
      await stranger.sendRaw(stranger.xml('presence', { to: bot, type: 'subscribe' }));
      // The bot handles the stranger's stream in order: an answer to this ping comes after its answer to the request, if any.
      const id = `stranger-barrier-${++iqCount}`;
      const answered = waitFor(stranger, 'iq', (iq: XmlElement) => (iq.attrs.id === id ? iq : undefined), 10_000, 'the bot answering an iq');
      await stranger.sendRaw(stranger.xml('iq', { type: 'get', to: botFull, id }, stranger.xml('ping', { xmlns: 'urn:xmpp:ping' })));
      await answered;
      const fromBotToStranger = stranger.received.slice(before).filter((s) => s.name === 'presence' && fromBot(s));
      assert.deepEqual(fromBotToStranger.map((p) => p.attrs.type ?? 'available').filter((t) => t !== 'unavailable'), [], 'no approval, no presence');
      assert.ok(!stranger.received.some((s) => (s.getChildText('status') ?? '').startsWith('up ')), 'the address never reached the stranger');
      const config = loadExample(FILES[2]!).find((n) => n.type === 'xmpp-config');
      assert.notEqual(config?.subscriptions, 'everyone');
    });

    it('sets the presence a POST asks for: 200 {"ok": true}', async function () {
      const seen = you.nextPresence(botShows('away', 'backup running'));
      const answer = await call(red, '/xmpp/presence', JSON.stringify({ show: 'away', status: 'backup running' }), 'application/json');
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { ok: true });
      await seen;

      const gone = you.nextPresence((p) => fromBot(p) && p.attrs.type === 'unavailable');
      assert.equal((await call(red, '/xmpp/presence', JSON.stringify({ show: 'unavailable' }), 'application/json')).status, 200);
      await gone;

      const back = you.nextPresence(botShows('chat', 'free'));
      assert.equal((await call(red, '/xmpp/presence', JSON.stringify({ show: 'chat', status: 'free' }), 'application/json')).status, 200);
      await back;
    });

    it('answers 400 for an invalid show or a body that is not JSON', async function () {
      const wrong = await call(red, '/xmpp/presence', JSON.stringify({ show: 'sleepy' }), 'application/json');
      assert.equal(wrong.status, 400);
      assert.match(String((wrong.json as { error: string }).error), /show/);
      assert.equal((await call(red, '/xmpp/presence', 'away')).status, 400);
    });

    it('is unavailable once the flow stops', async function () {
      const gone = you.nextPresence((p) => fromBot(p) && p.attrs.type === 'unavailable');
      await red.deploy([], 'full');
      await gone;
      deployed = undefined;
    });
  });

  describe('4. uptime alerts (chat "start <threshold>" / "stop")', function () {
    let botFull: string;

    before(async function () {
      // The owner puts their own JID in the commands node's sender list, as the note in the flow says.
      botFull = (await deploy(FILES[3]!, (flow) => withNode(flow, 'xf040002', { from: 'you@localhost' })))!.attrs.from!;
    });

    const reply = (text: RegExp) => (m: XmlElement) => fromBot(m) && text.test(m.getChildText('body') ?? '');
    const isAlert = (m: XmlElement): boolean => fromBot(m) && m.getChildText('subject') === 'Your uptime request';

    it('answers anything else with the usage', async function () {
      const usage = you.nextMessage(reply(/^Usage/));
      await you.send(bot, 'hello bot');
      await usage;
    });

    it('alerts at once with threshold 0, in the thread and type of the command; "stop" ends it', async function () {
      const ack = you.nextMessage(reply(/^Watching/));
      const alert = you.nextMessage(isAlert);
      await you.send(botFull, 'start 0', { type: 'normal' }, you.xml('thread', {}, 'load-42'));
      await ack;
      const got = await alert;
      assert.equal(got.attrs.type, 'normal');
      assert.equal(got.getChildText('thread'), 'load-42');
      assert.match(got.getChildText('body') ?? '', /^Load average \d+\.\d\d \d+\.\d\d \d+\.\d\d .*threshold 0\./);

      const stopped = you.nextMessage(reply(/^Stopped/));
      await you.send(bot, 'stop');
      await stopped;
      // The stop was handled before this answer; a bounded watch window of several poll intervals shows no more alerts.
      const after = you.received.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(you.received.slice(after).filter(isAlert).length, 0, 'no alert after stop');
    });

    it('says so when there is nothing to stop', async function () {
      const none = you.nextMessage(reply(/no watch/));
      await you.send(bot, 'stop');
      await none;
    });

    it('takes no command from anyone not listed: no answer, no watch', async function () {
      const mark = stranger.received.length;
      await stranger.send(botFull, 'start 0');
      await stranger.send(botFull, 'hello?');
      await barrier(botFull, stranger);
      assert.deepEqual(fromBotSince(stranger, mark), [], 'not even the usage');
    });

    it('ignores a command older than 5 minutes (kept while the bot was away), and takes a fresh one', async function () {
      const mark = you.received.length;
      await sendKept(botFull, 'start 0', 6);
      await barrier(botFull);
      assert.deepEqual(fromBotSince(you, mark), [], 'no answer, no watch');
      const none = you.nextMessage(reply(/no watch/));
      await sendKept(botFull, 'stop', 1);
      await none;
    });
  });

  describe('5. build bot (chat a target name)', function () {
    // Each run of a target's command adds a line here (the test's copy only), to count what ran.
    const ran = `/tmp/xmpp-flows-build-bot-ran-${process.pid}`;
    const runs = (): number => (existsSync(ran) ? readFileSync(ran, 'utf8').split('\n').filter(Boolean).length : 0);

    let botFull: string;
    const counted = (flow: FlowNode[]): FlowNode[] => flow.map((node) => (node.type === 'exec' ? { ...node, command: `echo ran >> ${ran}; ${String(node.command)}` } : node));

    before(async function () {
      rmSync(ran, { force: true });
      // The owner lists who may build in the build requests node, as the note in the flow says.
      botFull = (await deploy(FILES[4]!, (flow) => counted(withNode(flow, 'xf050002', { from: 'you@localhost' }))))!.attrs.from!;
    });

    after(function () {
      rmSync(ran, { force: true });
    });

    const build = (target: string) => (m: XmlElement) => fromBot(m) && m.getChildText('subject') === `Build of ${target}`;

    it('runs an allowed target\'s fixed command and replies with "Build of <target>" and its output', async function () {
      const echo = you.nextMessage(build('echo'));
      await you.send(bot, 'echo', {}, you.xml('thread', {}, 'b-1'));
      const got = await echo;
      assert.equal(got.getChildText('body'), 'OK\nbuild ok: nothing to compile');
      assert.equal(got.getChildText('thread'), 'b-1');

      const version = you.nextMessage(build('version'));
      await you.send(bot, '  Version ');
      assert.match((await version).getChildText('body') ?? '', /^OK\nv\d+\.\d+\.\d+$/);
    });

    it('lists the allowed targets for any other text, and runs nothing from it', async function () {
      const marker = `/tmp/xmpp-flows-build-bot-${process.pid}`;
      const unknown = you.nextMessage((m) => fromBot(m) && /^Unknown build target/.test(m.getChildText('body') ?? ''));
      await you.send(bot, `echo; touch ${marker}`);
      const got = await unknown;
      assert.equal(got.getChildText('body'), 'Unknown build target. Allowed targets: echo, version, date.');
      assert.equal(got.getChildText('subject'), null);
      assert.equal(existsSync(marker), false, 'the text did not reach a shell');
    });

    it('runs nothing for a stranger, and says nothing to them, while a listed builder is served', async function () {
      const before = runs();
      const mark = stranger.received.length;
      for (const target of ['echo', 'version', 'date']) await stranger.send(bot, target);
      await barrier(botFull, stranger);
      const built = you.nextMessage(build('date'));
      await you.send(bot, 'date');
      await built;
      assert.equal(runs(), before + 1, 'only the listed builder\'s request ran a command');
      assert.deepEqual(fromBotSince(stranger, mark), [], 'no answer for the stranger');
    });

    it('runs nothing for a request older than 5 minutes (kept while the bot was away)', async function () {
      const before = runs();
      const mark = you.received.length;
      await sendKept(botFull, 'echo', 10);
      await barrier(botFull);
      assert.equal(runs(), before);
      assert.deepEqual(fromBotSince(you, mark), []);
    });

    it('runs nothing for anyone until the owner edits the list (as imported)', async function () {
      const online = await deploy(FILES[4]!, counted);
      const before = runs();
      const mark = you.received.length;
      await you.send(bot, 'echo');
      await barrier(online!.attrs.from!);
      assert.equal(runs(), before);
      assert.deepEqual(fromBotSince(you, mark), [], 'no answer: the placeholder is nobody');
    });
  });

  describe('1. commit notification while the bot cannot log in', function () {
    it('answers 503 at once instead of leaving the hook hanging', async function () {
      // The account points at a port where nothing listens: the connection never comes online.
      deployed = await deployExample(red, FILES[0]!, { ...account, port: await freePort() });
      // The endpoint is there once a request without a JID gets the flow's own 400 (nothing sent).
      await eventually(() => call(red, '/xmpp/notify', 'x'), (answer) => answer.status === 400, 10_000, 'the endpoint up');
      const answer = await call(red, '/xmpp/notify?to=you@localhost', 'nobody home');
      assert.equal(answer.status, 503);
      assert.equal((answer.json as { error: string }).error, 'not-connected');
      deployed = undefined; // the failed logins are logged as they should be
    });
  });
});
