// Example 10 (encrypted alarm), deployed from its file into a real Node-RED process with the packed
// package, the account pointed at a real Prosody with PEP and OMEMO ticked (as the file's note asks
// the user to); the phone is python-omemo over slixmpp, which must decrypt what the flow sends.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, deployExample, withNode, type Deployed } from '../rig/examples';
import { NodeRedProcess, type EchoBotAccount, type FlowNode, printLogsIfFailed } from '../rig/node-red-process';
import { OmemoPeer } from '../rig/omemo-peer';
import { eventually } from '../rig/peer';
import { Prosody } from '../rig/prosody';

const FILE = '10 - Encrypted alarm.json';
const ACCOUNT_NODE = 'xmpp-flows-account';
const TEST_ALARM_NODE = 'xf100012';
const INJECT_NODE = 'xf100011';

describe('example 10 (encrypted alarm) in a real Node-RED', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let red: NodeRedProcess;
  let phone: OmemoPeer;
  let stores: string;
  let account: EchoBotAccount;
  let deployed: Deployed | undefined;

  const deploy = (omemo: boolean): Promise<Deployed> =>
    deployExample(red, FILE, account, (flow: FlowNode[]) =>
      withNode(withNode(flow, ACCOUNT_NODE, { omemo }), TEST_ALARM_NODE, {
        func: String(flow.find((n) => n.id === TEST_ALARM_NODE)?.func).replace("msg.to = 'you@example.org'", "msg.to = 'you@localhost'"),
      }),
    );

  before(async function () {
    this.timeout(120_000);
    prosody = await Prosody.start({ iterations: 100, offline: true, pep: true });
    await prosody.register('bot', 'bot-secret');
    await prosody.register('you', 'your-secret');
    await prosody.register('nobody', 'nobody-secret');
    stores = mkdtempSync(join(tmpdir(), 'xmpp-flows-alarm-phone-'));
    account = { jid: 'bot@localhost/alarms', password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    phone = await OmemoPeer.start({ port: prosody.port, jid: 'you@localhost/phone', password: 'your-secret', storeDir: stores });
    red = await NodeRedProcess.start();
  });

  afterEach(function () {
    printLogsIfFailed(this.currentTest, red, prosody);
    if (deployed) assert.deepEqual(deployed.trouble(), [], 'no missing types or errors in the log');
  });

  after(async function () {
    this.timeout(30_000);
    await phone?.stop();
    await red?.stop();
    await prosody?.stop();
    rmSync(stores, { recursive: true, force: true });
  });

  it('with OMEMO off in the account, as the file ships: 503 omemo-disabled, nothing sent in clear', async () => {
    deployed = await deploy(false);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    const mark = phone.mark();
    const answer = await call(red, '/xmpp/alarm?to=you@localhost', 'smoke in the kitchen');
    assert.equal(answer.status, 503);
    assert.equal((answer.json as { error: string }).error, 'omemo-disabled');
    await phone.sendPlain('you@localhost/phone', 'marker');
    assert.ok(!phone.events.slice(mark).some((e) => e.event === 'plain' && e.body === 'smoke in the kitchen'));
  });

  it('with OMEMO on: POST /xmpp/alarm is decrypted by the phone (200), the inject node\'s test alarm too', async () => {
    deployed = await deploy(true);
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    let mark = phone.mark();
    // The bot publishes its device after login; the first try may come before the phone can see it.
    const answer = await eventually(() => call(red, '/xmpp/alarm?to=you@localhost', 'smoke in the kitchen'), (a) => a.status === 200, 15_000, 'a 200');
    assert.deepEqual(answer.json, { sent: true });
    const got = await phone.message((m) => m.body === 'smoke in the kitchen', 15_000, mark);
    assert.equal(got.from.split('/')[0], 'bot@localhost');
    assert.ok(!phone.events.slice(mark).some((e) => e.event === 'plain'), 'nothing in clear');
    mark = phone.mark();
    const injected = await red.fetch(`/inject/${INJECT_NODE}`, { method: 'POST' });
    assert.equal(injected.status, 200);
    const test = await phone.message((m) => (m.body ?? '').startsWith('Test alarm from Node-RED'), 15_000, mark);
    assert.equal(test.protocol, '2');
  });

  it('409 no-devices for someone without OMEMO, 400 for a bad request', async () => {
    const none = await call(red, '/xmpp/alarm?to=nobody@localhost', 'smoke');
    assert.equal(none.status, 409);
    assert.equal((none.json as { error: string }).error, 'no-devices');
    const bad = await call(red, '/xmpp/alarm?to=not-a-jid', 'smoke');
    assert.equal(bad.status, 400);
    const empty = await call(red, '/xmpp/alarm?to=you@localhost', '  ');
    assert.equal(empty.status, 400);
  });
});
