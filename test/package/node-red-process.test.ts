// The package as users get it: `npm pack`, installed from the tarball into a real Node-RED 4.1
// running as its own process, driven only through the admin API, against a real Prosody.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { declaredNodeTypes, echoBotFlow, NodeRedProcess, type EchoBotAccount, printLogsIfFailed } from '../rig/node-red-process';

const MODULE = 'node-red-contrib-xmpp-flows';
const TYPES = declaredNodeTypes();

interface NodeSetInfo {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
  version?: string;
}

describe('the packed package in a real Node-RED 4.1', function () {
  this.timeout(60_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let peer: Peer | undefined;
  let account: EchoBotAccount;
  let bot: string;
  // Distinctive enough that any occurrence in a file or log is a leak, not a coincidence.
  const botPassword = `bot-pw-${randomBytes(9).toString('hex')}`;
  const peerPassword = `you-pw-${randomBytes(9).toString('hex')}`;

  const sessions = (): Promise<number> => prosody.sessionCount(bot);

  const fromBot =
    (body: string) =>
    (m: XmlElement): boolean =>
      m.attrs.from?.split('/')[0] === bot && m.getChildText('body') === body;

  before(async function () {
    this.timeout(90_000);
    // Prosody's default PBKDF2 iteration count: logins cost what they cost on a real server.
    prosody = await Prosody.start();
    bot = await prosody.register('bot', botPassword);
    await prosody.register('you', peerPassword);
    account = { jid: bot, password: botPassword, host: '127.0.0.1', port: prosody.port, security: 'none' };
    red = await NodeRedProcess.start({ logLevel: 'debug' });
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async function () {
    this.timeout(30_000);
    await peer?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  it('the packed package installs into a real Node-RED 4.1 and an echo flow answers a peer', async function () {
    this.timeout(60_000);
    await red.deploy(echoBotFlow(account));
    await eventually(sessions, (n) => n === 1, 30_000, 'one session of the bot');

    peer = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: peerPassword });
    const echo = peer.nextMessage(fromBot('echo: hello'), 15_000);
    await peer.send(bot, 'hello');
    const reply = await echo;
    assert.equal(reply.getChildText('body'), 'echo: hello');
    assert.equal(reply.attrs.to, peer.jid);
    assert.equal(reply.attrs.type, 'chat');
  });

  it("the nodes' help and icon are served by the admin API", async function () {
    const html = await (await red.get('/nodes', { Accept: 'text/html' })).text();
    for (const type of TYPES) {
      assert.ok(html.includes(`data-help-name="${type}"`), `help for ${type}`);
      assert.ok(html.includes(`data-template-name="${type}"`), `edit dialog for ${type}`);
      assert.ok(html.includes(`RED.nodes.registerType('${type}'`), `editor registration of ${type}`);
    }
    assert.match(html, /<script type="text\/html" data-help-name="xmpp-in">\s*<p>[^<]+/);

    const icon = await red.get(`/icons/${MODULE}/xmpp.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /svg/);
    assert.match(await icon.text(), /<svg[\s>]/);

    const sets = (await (await red.get('/nodes', { Accept: 'application/json' })).json()) as NodeSetInfo[];
    const ours = sets.filter((set) => set.module === MODULE);
    assert.deepEqual(ours.flatMap((set) => set.types).sort(), TYPES);
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.id} failed to load: ${set.err}`);
      assert.equal(set.enabled, true, `${set.id} enabled`);
    }
  });

  it('30 full redeploys as fast as the admin API takes them leave exactly one session', async function () {
    this.timeout(120_000);
    const you = peer;
    assert.ok(you, 'the peer of the first test');
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      // A new name each time, so that every deploy really changes the flow.
      await red.deploy(echoBotFlow(account, `chat to the bot #${i}`));
    }
    const took = Date.now() - started;
    console.log(`      30 full deploys took ${took} ms (${(took / 30).toFixed(0)} ms each)`);

    // Every deploy stops the old session before the new one starts: never two at once.
    let most = 0;
    await eventually(
      sessions,
      (n) => {
        most = Math.max(most, n);
        return n === 1;
      },
      60_000,
      'exactly one session of the bot after the redeploys',
    );
    console.log(`      one session of the bot ${Date.now() - started - took} ms after the last deploy`);
    assert.ok(most <= 1, `${most} sessions of the bot at once`);

    // Exactly one echo per message: wait for the first, then the very next one from the bot must
    // answer the second message (a duplicate of the first would arrive in between).
    const first = you.nextMessage(fromBot('echo: after redeploys 1'), 20_000);
    await you.send(bot, 'after redeploys 1');
    await first;
    const next = you.nextMessage((m) => m.attrs.from?.split('/')[0] === bot && m.getChildText('body') !== null, 20_000);
    await you.send(bot, 'after redeploys 2');
    assert.equal((await next).getChildText('body'), 'echo: after redeploys 2');

    assert.equal(await sessions(), 1, 'still one session after the round trip');
    const echoes = (body: string): number => you.received.filter(fromBot(body)).length;
    assert.equal(echoes('echo: after redeploys 1'), 1);
    assert.equal(echoes('echo: after redeploys 2'), 1);

    const deployed = await red.getFlows();
    assert.equal(deployed.flows.find((node) => node.type === 'xmpp-in')?.name, 'chat to the bot #29');
  });

  it('the password never appears in flows.json or the log', async function () {
    const flowsFile = join(red.userDir, 'flows.json');
    const credentialsFile = join(red.userDir, 'flows_cred.json');
    assert.ok(existsSync(flowsFile), 'flows.json written');
    assert.ok(existsSync(credentialsFile), 'flows_cred.json written');
    const flows = readFileSync(flowsFile, 'utf8');
    assert.ok(flows.includes(bot), 'flows.json holds the bot');
    assert.ok(!flows.includes(botPassword), 'password in flows.json');

    // Encrypted with credentialSecret: one "$" key holding ciphertext, no plain field.
    const credentials = readFileSync(credentialsFile, 'utf8');
    assert.ok(!credentials.includes(botPassword), 'password in flows_cred.json');
    assert.deepEqual(Object.keys(JSON.parse(credentials) as Record<string, unknown>), ['$']);

    const api = await (await red.get('/flows', { 'Node-RED-API-Version': 'v2' })).text();
    assert.ok(api.includes(bot), 'GET /flows holds the bot');
    assert.ok(!api.includes(botPassword), 'password in GET /flows');

    const log = red.log();
    assert.ok(log.includes('Started flows'), 'the log was captured');
    assert.ok(!log.includes(botPassword), 'password in the Node-RED log');
    assert.ok(!log.includes(peerPassword), "the peer's password in the Node-RED log");
  });

  it('stopping Node-RED ends the session', async function () {
    this.timeout(40_000);
    assert.equal(await sessions(), 1, 'one session before the stop');
    await red.stop();
    assert.equal(red.running, false);
    await eventually(sessions, (n) => n === 0, 20_000, 'no session of the bot after Node-RED stopped');
    assert.ok(!red.log().includes(botPassword), 'password in the log of the shutdown');
  });
});
