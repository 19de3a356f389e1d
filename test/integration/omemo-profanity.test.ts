// OMEMO 0.3 with a second implementation we did not write: Debian's profanity (libsignal-protocol-c),
// driven headless under tmux. A message it encrypts reaches the flow decrypted, and one the flow
// encrypts is decrypted by it (its own chat log says it came with OMEMO).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { Profanity } from '../rig/profanity';
import { Prosody } from '../rig/prosody';
import { configNode, deploy, getNode, helper, lastStatus, nodes, startServer, stopServer } from '../rig/red';

type Got = NodeMessage & { payload: string; xmpp: { encryption?: { protocol: string; device: number; trusted: boolean } } };
type Caught = NodeMessage & { error: { code?: string; message: string } };

describe('OMEMO 0.3 with profanity (libsignal-protocol-c) as the contact', function () {
  this.timeout(120_000);
  let prosody: Prosody;
  let profanity: Profanity | undefined;
  let userDir: string;
  const got: Got[] = [];
  const caught: Caught[] = [];
  const done: NodeMessage[] = [];

  type Roster = { client: { contacts: { rosterItem(jid: string): { subscription: string } | null } } };
  const subscription = (): string | undefined => (getNode('cfg') as unknown as Roster).client.contacts.rosterItem('carol@localhost')?.subscription;

  before(async function () {
    this.timeout(120_000);
    await startServer();
    prosody = await Prosody.start({ pep: true, iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('carol', 'carol-pw');
    userDir = mkdtempSync(join(tmpdir(), 'xmpp-flows-profanity-red-'));
    helper.settings({ userDir, logging: { console: { level: 'off' } } });
    await helper.load(nodes, [{ id: 't0', type: 'tab' }, { id: 'c0', type: 'catch', z: 't0', scope: null, wires: [] }, { id: 'd0', type: 'complete', z: 't0', scope: [], wires: [] }], {});
    await deploy(
      [
        { id: 'f1', type: 'tab', label: 'profanity' },
        { ...configNode('cfg', 'bot@localhost/flows', prosody.port), omemo: true, subscriptions: 'everyone' },
        { id: 'in', type: 'xmpp-in', z: 'f1', server: 'cfg', from: '', msgType: 'any', bodiless: false, wires: [['got']] },
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: 'carol@localhost', msgType: 'chat', subject: '', failFast: false, encryption: 'required', wires: [] },
        { id: 'catch-out', type: 'catch', z: 'f1', scope: ['out'], uncaught: false, wires: [['caught']] },
        { id: 'complete-out', type: 'complete', z: 'f1', scope: ['out'], uncaught: false, wires: [['done']] },
        { id: 'got', type: 'helper', z: 'f1' },
        { id: 'caught', type: 'helper', z: 'f1' },
        { id: 'done', type: 'helper', z: 'f1' },
      ],
      'full',
      { cfg: { password: 'bot-pw' } },
    );
    getNode('got').on('input', (msg: NodeMessage) => got.push(msg as Got));
    getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg as Caught));
    getNode('done').on('input', (msg: NodeMessage) => done.push(msg));
    await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 15_000, 'connected');
    profanity = await Profanity.start('carol@localhost', 'carol-pw', prosody.port, 'disable');
    // Contacts both ways: the bot accepts everyone and asks back; profanity accepts that.
    await profanity.requestSubscription('bot@localhost');
    await eventually(subscription, (s) => s === 'from' || s === 'both', 15_000, 'carol subscribed to the bot');
    await eventually(
      async () => {
        await profanity?.allowSubscription('bot@localhost');
        return subscription();
      },
      (s) => s === 'both',
      15_000,
      'a mutual subscription',
    );
  });

  after(async () => {
    await helper.unload();
    await profanity?.stop();
    await prosody?.stop();
    await stopServer();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('a message profanity encrypts reaches the flow decrypted, as OMEMO 0.3 from its device', async () => {
    assert.ok(profanity);
    await profanity.sendEncrypted('bot@localhost', 'hello from profanity');
    const msg = await eventually(() => got.find((m) => m.payload === 'hello from profanity'), Boolean, 20_000, 'the flow hears profanity').catch(async (error: unknown) => {
      console.log(await profanity?.screen());
      throw error;
    });
    assert.equal(msg?.xmpp.encryption?.protocol, '0.3');
    assert.equal(msg?.xmpp.encryption?.device, profanity.deviceId);
    assert.equal(msg?.xmpp.encryption?.trusted, true);
  });

  it('a message the flow encrypts (encryption required) is decrypted by profanity', async () => {
    assert.ok(profanity);
    getNode('out').receive({ _msgid: 'to-carol', payload: 'the door is open' } as NodeMessage);
    await eventually(() => done.some((m) => m._msgid === 'to-carol') || caught.some((m) => m._msgid === 'to-carol'), Boolean, 20_000, 'done or caught');
    assert.deepEqual(caught.map((m) => m.error.code), [], 'not refused');
    const read = await profanity.waitForMessage('bot@localhost', 'the door is open').catch(async (error: unknown) => {
      console.log(await profanity?.screen());
      throw error;
    });
    assert.equal(read.encryption, 'omemo', 'profanity decrypted it');
  });
});
