// The packed package in a real Node-RED process, logging at trace level, while the server, the
// network and other users misbehave: a killed server, stream errors, broken XML, unknown
// stanzas, floods, huge stanzas, a line that goes silent. After each, Node-RED is still running,
// the bot is logged in again and answers a message. The password shows up nowhere.
//
// The bot reaches Prosody through a TCP relay (so the test can cut, freeze and inject bytes as if
// the server sent them); the peers talk to Prosody directly. Each scenario starts from a fresh
// full deploy, so that one scenario's reconnect backoff or stream-management counters do not
// carry into the next.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { nested, occurrences, ONLINE_LINE, RUNTIME_FAILURES, settle, watchedEchoFlow, word, type WatchedAccount } from '../rig/hostile';
import { NodeRedProcess } from '../rig/node-red-process';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { TcpProxy } from '../rig/tcp-proxy';

const PING_INTERVAL_S = 2;
const PING_TIMEOUT_S = 2;
const MB = 1024 * 1024;
const STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';

function streamError(condition: string, content = ''): string {
  return `<stream:error><${condition} xmlns="${STREAMS}">${content}</${condition}></stream:error></stream:stream>`;
}

describe('a real Node-RED process under hostile servers, networks and peers', function () {
  this.timeout(30_000);

  let prosody: Prosody;
  let proxy: TcpProxy;
  let red: NodeRedProcess;
  let you: Peer;
  let bot: string;
  let account: WatchedAccount;
  let deploys = 0;
  // Distinctive enough that any occurrence in a file or log is a leak, not a coincidence.
  const botPassword = `bot-pw-${word(12)}`;
  const wrongPassword = `wrong-pw-${word(12)}`;
  const peerPassword = `you-pw-${word(12)}`;
  /** What each scenario measured, printed at the end. */
  const findings: string[] = [];

  const note = (line: string): void => {
    findings.push(line);
    console.log(`      ${line}`);
  };
  const sessions = (): Promise<number> => prosody.sessionCount(bot);
  // A connection failure reaches the Catch node of the flows using the connection (printed by its debug node).
  const CAUGHT_CONFIG_ERROR = /\[debug:error log\][^[]*?type: 'xmpp-config'/;
  const caughtConfigError = (text: string): string | undefined =>
    /\[debug:error log\][^[]*?error: \{\s*message: '([^']*)'[^[]*?type: 'xmpp-config'/.exec(text)?.[1];
  const mark = (): number => red.log().length;
  const since = (from: number): string => red.log().slice(from);
  const logins = (from: number): number => occurrences(since(from), ONLINE_LINE);
  /** The config node's warnings (a lost connection and its reason) after log offset `from`. */
  const warnings = (from: number): string[] => [...since(from).matchAll(/\[warn\] \[xmpp-config:[^\]]*\] (.*)/g)].map((m) => m[1] as string);
  const fromBot =
    (body: string) =>
    (m: XmlElement): boolean =>
      m.attrs.from?.split('/')[0] === bot && m.getChildText('body') === body;

  /** The bot's one full JID, as Prosody lists it. */
  async function botFullJid(): Promise<string> {
    const jids = await eventually(() => prosody.sessionJids(bot), (list) => list.length === 1, 10_000, 'one session of the bot');
    return jids[0] as string;
  }

  async function connectPeer(resource = 'peer'): Promise<Peer> {
    return Peer.connect({ port: prosody.port, jid: 'you@localhost', password: peerPassword, resource });
  }

  /** A fresh full deploy (a new name each time, so it really changes the flow) and its login. */
  async function deployFresh(password = botPassword, changes: Partial<WatchedAccount> = {}): Promise<number> {
    const from = mark();
    deploys += 1;
    await red.deploy(watchedEchoFlow({ ...account, password, ...changes }, `chat to the bot #${deploys}`));
    return from;
  }

  /** Resolves with the milliseconds from `startedAt` until a login after log offset `from`. */
  async function nextLogin(from: number, startedAt: number, timeoutMs: number): Promise<number> {
    await red.waitForLog(ONLINE_LINE, timeoutMs, from);
    return Date.now() - startedAt;
  }

  /**
   * The check after every scenario: Node-RED runs, the bot is back, and a fresh message is
   * echoed. A message can be lost while a connection is still settling (the server may end a
   * stream right after a reconnect), so fresh messages are sent until one is echoed, within
   * 20 s; more than one attempt is noted.
   */
  async function recovered(what: string): Promise<void> {
    assert.ok(red.running, `Node-RED is running after ${what}`);
    await eventually(sessions, (n) => n === 1, 20_000, `one session of the bot after ${what}`);
    const deadline = Date.now() + 20_000;
    const lost: string[] = [];
    for (let attempt = 1; ; attempt++) {
      if (you.client.status !== 'online') {
        await you.stop();
        you = await connectPeer();
      }
      const text = `after ${what} #${attempt} ${word()}`;
      const echo = you.nextMessage(fromBot(`echo: ${text}`), 5_000);
      await you.send(bot, text).catch(() => undefined); // a lost peer connection shows as no echo
      try {
        await echo;
        if (attempt > 1) {
          // Bounced back to the peer (and how), or silently gone?
          const fates = lost.map((body) => {
            const bounce = you.received.find((m) => m.attrs.type === 'error' && m.getChildText('body') === body);
            return bounce ? `bounced by ${bounce.attrs.from} (${(bounce.getChild('error')?.children[0] as XmlElement | undefined)?.name})` : 'no echo, no bounce';
          });
          note(`after ${what}: ${lost.length} fresh message(s) got no echo before one did: ${fates.join('; ')}`);
        }
        break;
      } catch {
        lost.push(text);
        if (Date.now() > deadline) assert.fail(`no echo within 20 s after ${what} (${attempt} fresh messages sent)`);
      }
    }
    assert.ok(red.running, `Node-RED is still running after the echo (${what})`);
    const failures = red.log().match(new RegExp(`.*(?:${RUNTIME_FAILURES.source}).*`, 'gi')) ?? [];
    assert.deepEqual(failures, [], `runtime failures in Node-RED's log after ${what}`);
  }

  /** Prosody's stream-management complaints ("the client says it handled N new stanzas, but we sent M") since an offset. */
  const ackComplaints = (from: number): string[] =>
    [...prosody.log().slice(from).matchAll(/^\S+ \S+ \S+ (\S+)\s+warn\s+(The client says it handled .*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  let prosodyMark = 0;

  before(async function () {
    this.timeout(90_000);
    prosody = await Prosody.start({ iterations: 100 });
    bot = await prosody.register('bot', botPassword);
    await prosody.register('you', peerPassword);
    proxy = await TcpProxy.start(prosody.port);
    account = { jid: bot, password: botPassword, host: '127.0.0.1', port: proxy.port, pingInterval: PING_INTERVAL_S, pingTimeout: PING_TIMEOUT_S };
    red = await NodeRedProcess.start({ logLevel: 'trace' });
    you = await connectPeer();
  });

  beforeEach(async function () {
    proxy.setMode('pass');
    const from = await deployFresh();
    await red.waitForLog(ONLINE_LINE, 15_000, from);
    await eventually(sessions, (n) => n === 1, 15_000, 'one session of the bot after a fresh deploy');
    prosodyMark = prosody.log().length;
  });

  afterEach(function () {
    const complaints = ackComplaints(prosodyMark);
    if (complaints.length > 0) note(`Prosody ended streams during "${this.currentTest?.title}": ${complaints.join('; ')}`);
    if (this.currentTest?.state !== 'failed') return;
    // The whole logs go to files (the Node-RED log holds every status change as a msg dump).
    const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-hostile-'));
    writeFileSync(join(dir, 'node-red.log'), red?.log() ?? '');
    writeFileSync(join(dir, 'prosody.log'), (prosody?.log() ?? '').replace(/^.*Admin client (?:connected|disconnected).*\n/gm, ''));
    const lines = (red?.log() ?? '').split('\n').filter((line) => /\[(?:warn|error)\]|\[xmpp-/.test(line));
    console.log(`--- Node-RED log, xmpp lines, warnings and errors (end) ---\n${lines.slice(-40).join('\n')}\n--- whole logs in ${dir} ---`);
  });

  after(async function () {
    this.timeout(30_000);
    await you?.stop();
    await red?.stop();
    await proxy?.stop();
    await prosody?.stop();
    console.log(`\n      Findings:\n${findings.map((line) => `        - ${line}`).join('\n')}`);
  });

  it('the server is killed (SIGKILL) while a peer hammers the bot, then started again', async function () {
    this.timeout(60_000);
    const hammer = await connectPeer('hammer');
    let sent = 0;
    let running = true;
    const hammering = (async () => {
      while (running) {
        try {
          await hammer.send(bot, `mid-stream ${sent}`);
          sent += 1;
        } catch {
          return; // the server is gone
        }
        if (sent % 20 === 0) await new Promise((next) => setImmediate(next));
      }
    })();
    const echoes = (): number => hammer.received.filter((m) => m.name === 'message' && /^echo: mid-stream \d+$/.test(m.getChildText('body') ?? '')).length;
    // Mid-stream: the echo flow is busy answering when the server dies.
    await eventually(echoes, (n) => n >= 200, 15_000, '200 echoes to the hammering peer');

    const from = mark();
    const killedAt = Date.now();
    await prosody.kill('SIGKILL');
    const killMs = Date.now() - killedAt;
    const launchedAt = Date.now();
    await prosody.launch();
    const launchMs = Date.now() - launchedAt;
    running = false;
    await hammering;
    const backMs = await nextLogin(from, launchedAt, 20_000);
    note(`SIGKILL mid-stream: ${sent} messages sent, ${echoes()} echoed before the kill; kill took ${killMs} ms, launch ${launchMs} ms; bot logged in again ${backMs} ms after the launch began (${Date.now() - killedAt} ms after the kill)`);
    await hammer.stop();
    await recovered('SIGKILL and restart of the server');
  });

  it('the server sends stream errors (system-shutdown, internal-server-error, reset, policy-violation, undefined-condition)', async function () {
    this.timeout(60_000);
    for (const condition of ['system-shutdown', 'internal-server-error', 'reset', 'policy-violation', 'undefined-condition']) {
      const from = mark();
      const serverFrom = prosody.log().length;
      const sentAt = Date.now();
      proxy.inject(streamError(condition));
      const backMs = await nextLogin(from, sentAt, 20_000);
      const warning = /\[warn\] \[xmpp-config:[^\]]*\] (.*)/.exec(since(from))?.[1] ?? '(no warning logged)';
      await recovered(`a <${condition}/> stream error`);
      const serverLogins = occurrences(prosody.log().slice(serverFrom), /Authenticated as bot@localhost/);
      note(`stream error <${condition}/>: warning "${warning}", logged in again after ${backMs} ms; Prosody saw ${serverLogins} new login(s) of the bot`);
      assert.equal(serverLogins, 1, `one stream error, one new login (<${condition}/>)`);
    }
  });

  // xmpp.js follows <see-other-host/> by itself (connects and logs in to the named host) while
  // the session, which saw a disconnect, schedules its own reconnect to the configured server.
  // Whichever way is chosen, one redirect should cost one new login.
  it('the server redirects with a <see-other-host/> stream error to the real server behind the relay', async function () {
    const from = mark();
    const serverFrom = prosody.log().length;
    const sentAt = Date.now();
    proxy.inject(streamError('see-other-host', `127.0.0.1:${prosody.port}`));
    const backMs = await nextLogin(from, sentAt, 20_000);
    await recovered('a <see-other-host/> stream error');
    const serverLogins = occurrences(prosody.log().slice(serverFrom), /Authenticated as bot@localhost/);
    note(`<see-other-host/>: logged in again after ${backMs} ms, ${logins(from)} login(s) in Node-RED's log, warnings ${JSON.stringify(warnings(from))}; relayed connections now ${proxy.connections}; Prosody saw ${serverLogins} new login(s) of the bot`);
    assert.equal(serverLogins, 1, 'one redirect, one new login');
  });

  it('the server sends malformed XML', async function () {
    this.timeout(60_000);
    const garbage: Array<[string, string]> = [
      ['"<message><<<&&&"', '<message><<<&&&'],
      ['an unclosed tag, then garbage', '<message from="you@localhost/peer" type="chat"><body>unclosed'],
      ['a closing tag that was never opened', '</body></message>\u0001\u0002%%%]]>'],
    ];
    for (const [what, raw] of garbage) {
      const from = mark();
      const sentAt = Date.now();
      proxy.inject(raw);
      const backMs = await nextLogin(from, sentAt, 20_000);
      const warning = /\[warn\] \[xmpp-config:[^\]]*\] (.*)/.exec(since(from))?.[1] ?? '(no warning logged)';
      note(`malformed XML, ${what}: warning "${warning}", logged in again after ${backMs} ms`);
      await recovered(`malformed XML (${what})`);
    }
  });

  // Injected stanzas are counted by the bot's stream management but were never sent by Prosody,
  // so the bot's next ack is "too high" and Prosody ends the stream (undefined-condition): one
  // reconnect here is an artefact of injecting, not of the stanzas themselves.
  it('the server sends unknown elements and odd stanzas', async function () {
    const full = await botFullJid();
    const from = mark();
    const depths = [1_000, 5_000, 50_000];
    const texts = depths.map((depth) => `nested ${depth} deep ${word()}`);
    proxy.inject('<foo xmlns="urn:example:unknown"><bar/></foo>');
    depths.forEach((depth, i) => proxy.inject(`<message from="${you.jid}" to="${full}" type="chat"><body>${texts[i]}</body>${nested(depth, 'x')}</message>`));
    proxy.inject(`<presence from="${you.jid}" to="${full}" type="bogus-type"><x xmlns="urn:example:odd"/></presence>`);
    proxy.inject(`<iq type="result" id="no-such-request-${word()}" from="localhost" to="${full}"><query xmlns="urn:example:stale"/></iq>`);
    await recovered('unknown elements and odd stanzas');
    // The bot handles stanzas in order, so an echo of the injected ones came before the fresh one.
    const echoed = (text: string): string => (you.received.some(fromBot(`echo: ${text}`)) ? 'echoed' : 'not echoed');
    note(`unknown elements/stanzas: messages with ${depths.map((depth, i) => `${depth} nested unknown children ${echoed(texts[i] as string)}`).join(', ')}; logins during the scenario: ${logins(from)}, warnings: ${JSON.stringify(warnings(from))}`);
    assert.equal(echoed(texts[0] as string), 'echoed', 'a message with 1,000 nested unknown children is still a message');
  });

  it('a peer floods the bot with 5,000 IQ gets in random namespaces', async function () {
    const full = await botFullJid();
    const from = mark();
    const replies = new Map<string, number>();
    let answered = 0;
    const onIq = (iq: XmlElement): void => {
      if (iq.attrs.from !== full || !iq.attrs.id?.startsWith('flood-')) return;
      answered += 1;
      const condition = iq.attrs.type === 'error' ? (iq.getChild('error')?.children[0] as XmlElement | undefined)?.name ?? 'error' : (iq.attrs.type ?? '?');
      replies.set(condition, (replies.get(condition) ?? 0) + 1);
    };
    you.on('iq', onIq);
    const startedAt = Date.now();
    try {
      await Promise.all(
        Array.from({ length: 5_000 }, (_, i) => you.sendRaw(you.xml('iq', { type: 'get', to: full, id: `flood-${i}` }, you.xml('query', { xmlns: `urn:example:${word()}` })))),
      );
      const sentMs = Date.now() - startedAt;
      const got = await settle(() => answered, 5_000, 3_000, 20_000);
      note(`IQ flood: 5,000 gets sent in ${sentMs} ms; ${got} replies in ${Date.now() - startedAt} ms (${[...replies].map(([k, v]) => `${k}: ${v}`).join(', ')}); logins during the flood: ${logins(from)}`);
    } finally {
      you.off('iq', onIq);
    }
    await recovered('an IQ flood');
  });

  it('1 MB stanzas: refused by the default size limit, echoed under a 2 MB limit; the server sends a 1 MB text node and a 1 MB message', async function () {
    const big = 'x'.repeat(MB);
    // The default "Largest message" (256 KiB): the 1 MB echo is refused, and the refusal reaches the Catch node.
    let from = mark();
    await you.send(bot, big);
    await red.waitForLog(/code: 'too-large'/, 15_000, from);
    const refusal = /\[debug:error log\][\s\S]*?error: \{\s*message: '([^']*)'/.exec(since(from))?.[1];
    note(`1 MB message from a peer, default size limit: the echo was refused ("${refusal}")`);
    assert.ok(red.running, 'Node-RED is running after a refused 1 MB echo');

    // Prosody here takes 2 MB stanzas: with the limit raised to match, the echo goes out.
    await red.waitForLog(ONLINE_LINE, 15_000, await deployFresh(botPassword, { maxStanzaKB: 2048 }));
    const full = await botFullJid();
    from = mark();
    const bigEcho = you.nextMessage((m) => m.attrs.from?.split('/')[0] === bot && m.getChildText('body') === `echo: ${big}`, 20_000);
    const sentAt = Date.now();
    await you.send(bot, big);
    await bigEcho;
    note(`1 MB message from a peer, limit 2048 KiB: echoed (1 MB + 6) after ${Date.now() - sentAt} ms`);

    proxy.inject('y'.repeat(MB)); // text between stanzas, at stream level
    const injected = 'z'.repeat(MB);
    proxy.inject(`<message from="${you.jid}" to="${full}" type="chat"><body>${injected}</body></message>`);
    await recovered('1 MB stanzas');
    // In order: an echo of the injected message came before the fresh one.
    const injectedEcho = you.received.some(fromBot(`echo: ${injected}`)) ? 'echoed' : 'not echoed';
    note(`1 MB from the server: a 1 MB text node at stream level, then a 1 MB message injected on the bot's stream (${injectedEcho}); logins during the scenario: ${logins(from)}, warnings: ${JSON.stringify(warnings(from))}`);
  });

  it('a peer hammers the bot with 10,000 chat messages as fast as it can', async function () {
    this.timeout(60_000);
    const hammer = await connectPeer('flood');
    const from = mark();
    const echoed = (): number => hammer.received.filter((m) => m.name === 'message' && /^echo: flood \d+$/.test(m.getChildText('body') ?? '')).length;
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => hammer.send(bot, `flood ${i}`)));
    const sentMs = Date.now() - startedAt;
    const got = await settle(echoed, 10_000, 3_000, 40_000);
    const tookMs = Date.now() - startedAt;
    const order = hammer.received
      .map((m) => /^echo: flood (\d+)$/.exec(m.getChildText('body') ?? '')?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    const inOrder = order.every((n, i) => i === 0 || n > (order[i - 1] as number));
    note(`10,000 messages: sent in ${sentMs} ms; ${got} echoes back after ${tookMs} ms (${Math.round((got * 1000) / tookMs)}/s), ${inOrder ? 'in order' : 'NOT in order'}; logins during the flood: ${logins(from)}`);
    await hammer.stop();
    await recovered('10,000 messages');
  });

  it('the network goes silent (relay frozen): the keepalive notices and the bot reconnects', async function () {
    const from = mark();
    const frozenAt = Date.now();
    proxy.freeze();
    await red.waitForLog(/\[warn\] \[xmpp-config:[^\]]*\] /, 15_000, from);
    const noticedMs = Date.now() - frozenAt;
    const backMs = await nextLogin(from, frozenAt, 15_000);
    const warning = /\[warn\] \[xmpp-config:[^\]]*\] (.*)/.exec(since(from))?.[1];
    note(`frozen line: noticed after ${noticedMs} ms ("${warning}"), logged in again ${backMs} ms after the freeze (ping after ${PING_INTERVAL_S} s, timeout ${PING_TIMEOUT_S} s)`);
    // At most: a full quiet interval, then the ping's timeout; a margin for timers and the log pipe.
    assert.ok(noticedMs <= (PING_INTERVAL_S + PING_TIMEOUT_S) * 1000 + 1_500, `noticed after ${noticedMs} ms`);
    assert.ok(noticedMs >= PING_TIMEOUT_S * 1000, `noticed after only ${noticedMs} ms, before a ping could time out`);
    await recovered('a frozen line');
  });

  // Conflict is fatal by design (errors.ts isFatal): reconnecting would start a kick-each-other
  // loop with whoever holds the same full JID. What happens is reported; a redeploy brings it back.
  it('a <conflict/> stream error from the server: reported, and a redeploy brings the bot back', async function () {
    const from = mark();
    const sentAt = Date.now();
    proxy.inject(streamError('conflict'));
    await red.waitForLog(CAUGHT_CONFIG_ERROR, 10_000, from);
    const errorMs = Date.now() - sentAt;
    // A bounded watch window (not synchronisation): longer than several retry delays.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const error = caughtConfigError(since(from));
    const statuses = [...since(from).matchAll(/text: '([^']*)'/g)].map((m) => m[1]);
    note(`injected <conflict/>: error "${error}" after ${errorMs} ms; logins in the next 3 s: ${logins(from)}; sessions of the bot: ${await sessions()}; statuses: ${JSON.stringify([...new Set(statuses)])}; errors seen by the Catch node: ${occurrences(since(from), /\[debug:error log\]/)}`);
    assert.ok(red.running, 'Node-RED is running after a conflict');

    const redeployed = await deployFresh();
    await red.waitForLog(ONLINE_LINE, 15_000, redeployed);
    await recovered('a <conflict/> stream error and a redeploy');
  });

  it('another client logs in with the bot\'s full JID (a real conflict): reported, and a redeploy brings the bot back', async function () {
    const full = await botFullJid();
    const resource = full.slice(full.indexOf('/') + 1);
    const from = mark();
    const impostor = await Peer.connect({ port: prosody.port, jid: bot, password: botPassword, resource });
    try {
      await red.waitForLog(CAUGHT_CONFIG_ERROR, 10_000, from);
      // A bounded watch window (not synchronisation): would the bot take its resource back?
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const line = caughtConfigError(since(from));
      note(`real conflict (a second client with the bot's full JID): "${line}"; bot logins in the next 3 s: ${logins(from)}; impostor still online: ${impostor.client.status === 'online'}; sessions of the account: ${await sessions()}`);
      assert.ok(red.running, 'Node-RED is running after a real conflict');
    } finally {
      await impostor.stop();
    }
    const redeployed = await deployFresh();
    await red.waitForLog(ONLINE_LINE, 15_000, redeployed);
    await recovered('a real conflict and a redeploy');
  });

  it('a wrong password: refused, reported, and never written to the log', async function () {
    const from = await deployFresh(wrongPassword);
    await red.waitForLog(CAUGHT_CONFIG_ERROR, 15_000, from);
    const error = caughtConfigError(since(from));
    // A bounded watch window (not synchronisation): no retries with a password the server refused.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const statuses = [...new Set([...since(from).matchAll(/text: '([^']*)'/g)].map((m) => m[1]))];
    note(`wrong password: error "${error}"; login attempts after the refusal: ${logins(from)}; Prosody sessions: ${await sessions()}; statuses seen by the Status node: ${JSON.stringify(statuses)}; errors seen by the Catch node: ${occurrences(since(from), /\[debug:error log\]/)}`);
    assert.equal(await sessions(), 0, 'no session with a wrong password');
    const log = red.log();
    assert.ok(!log.includes(wrongPassword), 'the wrong password in the log');
    const api = await (await red.get('/flows', { 'Node-RED-API-Version': 'v2' })).text();
    assert.ok(!api.includes(wrongPassword), 'the wrong password in GET /flows');
    assert.ok(!readFileSync(join(red.userDir, 'flows.json'), 'utf8').includes(wrongPassword), 'the wrong password in flows.json');

    const restored = await deployFresh();
    await red.waitForLog(ONLINE_LINE, 15_000, restored);
    await recovered('a wrong password and a redeploy');
  });

  it('after all of it: the password is nowhere, and the runtime logged no uncaught failure', async function () {
    const log = red.log();
    assert.match(log, /\[trace\]/, 'the log is at trace level');
    assert.match(log, /\[debug:status log\]/, 'status changes reached the log');
    assert.ok(log.includes(bot), 'the log names the bot');
    for (const [what, secret] of [
      ['the password', botPassword],
      ['the wrong password', wrongPassword],
      ["the peer's password", peerPassword],
    ] as const) {
      assert.ok(!log.includes(secret), `${what} in Node-RED's log`);
    }

    const flowsFile = join(red.userDir, 'flows.json');
    const credentialsFile = join(red.userDir, 'flows_cred.json');
    assert.ok(existsSync(flowsFile) && existsSync(credentialsFile), 'flows.json and flows_cred.json written');
    const flows = readFileSync(flowsFile, 'utf8');
    assert.ok(flows.includes(bot), 'flows.json holds the bot');
    assert.ok(!flows.includes(botPassword), 'the password in flows.json');
    assert.ok(!readFileSync(credentialsFile, 'utf8').includes(botPassword), 'the password in flows_cred.json (plain)');
    const api = await (await red.get('/flows', { 'Node-RED-API-Version': 'v2' })).text();
    assert.ok(api.includes(bot), 'GET /flows holds the bot');
    assert.ok(!api.includes(botPassword), 'the password in GET /flows');

    const statusLines = occurrences(log, /\[debug:status log\]/);
    const failures = log.match(new RegExp(`.*(?:${RUNTIME_FAILURES.source}).*`, 'gi')) ?? [];
    note(`log: ${log.length} characters, ${occurrences(log, /\[trace\]/)} trace lines, ${statusLines} status changes, ${occurrences(log, /\[debug:error log\]/)} caught errors, ${occurrences(log, ONLINE_LINE)} logins; runtime failures: ${failures.length}`);
    assert.deepEqual(failures, [], 'Uncaught Exception / unhandled rejection / Error stopping node in the log');
    assert.ok(red.running, 'Node-RED is running at the end');
  });
});
