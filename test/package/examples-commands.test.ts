// Example 9 (home commands), deployed from its file into a real Node-RED process with the packed
// package, the account pointed at a real Prosody; slixmpp's xep_0050 client is the person's XMPP
// client running the commands, and a plain client of the same person receives the alerts.
import assert from 'node:assert/strict';
import { deployExample, knownTypes, loadExample, withNode, type Deployed } from '../rig/examples';
import { NodeRedProcess, type EchoBotAccount, type FlowNode, printLogsIfFailed } from '../rig/node-red-process';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { SlixAdhoc, type SlixAnswer } from '../rig/slix-adhoc';

const FILE = '09 - Home commands.json';
const SERVE_NODES = ['xf090003', 'xf090004', 'xf090005'];
const BOT = 'bot@localhost/home';
const YOU = 0;
const STRANGER = 1;

describe('example 9 (home commands) in a real Node-RED', function () {
  this.timeout(30_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let slix: SlixAdhoc;
  let phone: Peer;
  let deployed: Deployed | undefined;

  function answer(outcome: SlixAnswer): Extract<SlixAnswer, { event: 'answer' }> {
    assert.equal(outcome.event, 'answer', JSON.stringify(outcome));
    return outcome as Extract<SlixAnswer, { event: 'answer' }>;
  }

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-secret');
    await prosody.register('you', 'your-secret');
    await prosody.register('stranger', 'your-secret');
    const account: EchoBotAccount = { jid: BOT, password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    red = await NodeRedProcess.start();
    // The user puts their own JID in each command's Callers, as the comment says; alerts every second.
    deployed = await deployExample(red, FILE, account, (flow: FlowNode[]) => {
      let adjusted = SERVE_NODES.reduce((f, id) => withNode(f, id, { callers: 'you@localhost' }), flow);
      const uptime = adjusted.find((n) => n.id === 'xf090006');
      adjusted = withNode(adjusted, 'xf090006', { initialize: String(uptime?.initialize).replace("env.get('UPTIME_INTERVAL_S')) : 5", "env.get('UPTIME_INTERVAL_S')) : 1") });
      return adjusted;
    });
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    phone = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'your-secret', resource: 'phone' });
    slix = await SlixAdhoc.start(prosody.port, 'your-secret', ['you@localhost', 'stranger@localhost']);
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
  });

  after(async function () {
    this.timeout(30_000);
    await slix?.stop();
    await phone?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  it('is a flow Node-RED knows whole, with the shared account and nothing failing', async function () {
    const types = await knownTypes(red);
    for (const node of loadExample(FILE)) assert.ok(node.type === 'tab' || types.has(node.type), `unknown type ${node.type}`);
    for (const id of SERVE_NODES) assert.equal(loadExample(FILE).find((n) => n.id === id)?.callers, 'you@example.org', 'nobody may run them until the user edits the list');
    assert.deepEqual(deployed?.trouble(), []);
  });

  it('shows the listed person the three commands by name, and a stranger none (refused if tried)', async function () {
    const mine = await slix.list(YOU, BOT);
    assert.equal(mine.event, 'items');
    assert.deepEqual(mine.event === 'items' && mine.items.map(([, node, name]) => `${node}: ${name}`).sort(), ['build: Build a target', 'uptime-start: Start uptime alerts', 'uptime-stop: Stop uptime alerts']);
    const theirs = await slix.list(STRANGER, BOT);
    assert.deepEqual(theirs.event === 'items' && theirs.items, []);
    const refused = await slix.run(STRANGER, BOT, { node: 'build' });
    assert.deepEqual(refused.event === 'error' && refused.condition, 'forbidden');
  });

  it('uptime-start asks for a number, refuses text, starts the watch (an alert arrives); uptime-stop ends it', async function () {
    const form = answer(await slix.run(YOU, BOT, { node: 'uptime-start' }));
    assert.equal(form.form?.title, 'Uptime alerts');
    assert.deepEqual(form.form?.fields.map((f) => [f.var, f.type, f.required, f.values]), [['threshold', 'text-single', true, ['1.5']]]);
    const wrong = answer(await slix.run(YOU, BOT, { node: 'uptime-start', sessionid: form.sessionid, action: 'complete', values: { threshold: 'high' } }));
    assert.equal(wrong.status, 'executing');
    assert.deepEqual(wrong.notes, [['error', 'The value of threshold is not of the right type.']], 'the localized note');
    const alert = phone.nextMessage((m) => m.getChildText('subject') === 'Your uptime request', 15_000);
    const started = answer(await slix.run(YOU, BOT, { node: 'uptime-start', sessionid: form.sessionid, action: 'complete', values: { threshold: '0' } }));
    assert.equal(started.status, 'completed');
    assert.match(started.notes[0]?.[1] ?? '', /at or above 0\b/);
    assert.match((await alert).getChildText('body') ?? '', /is at or above your threshold 0\./);
    const stopped = answer(await slix.run(YOU, BOT, { node: 'uptime-stop' }));
    assert.deepEqual([stopped.status, stopped.notes], ['completed', [['info', 'Stopped watching the load for you.']]]);
    const again = answer(await slix.run(YOU, BOT, { node: 'uptime-stop' }));
    assert.deepEqual(again.notes, [['warn', 'You had no watch running.']]);
  });

  it('build offers the targets as a list, runs the one picked, and refuses one not on the list', async function () {
    const form = answer(await slix.run(YOU, BOT, { node: 'build' }));
    assert.deepEqual(form.form?.fields.map((f) => [f.var, f.type, f.options]), [['target', 'list-single', ['echo', 'version', 'date']]]);
    const wrong = answer(await slix.run(YOU, BOT, { node: 'build', sessionid: form.sessionid, action: 'complete', values: { target: 'rm -rf /' } }));
    assert.deepEqual([wrong.status, wrong.notes], ['executing', [['error', 'The value of target is not one of its options.']]]);
    const built = answer(await slix.run(YOU, BOT, { node: 'build', sessionid: form.sessionid, action: 'complete', values: { target: 'echo' } }));
    assert.equal(built.status, 'completed');
    assert.deepEqual(built.notes, [['info', 'Build of echo: OK\nbuild ok: nothing to compile']]);
  });
});
