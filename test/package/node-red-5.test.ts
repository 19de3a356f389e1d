// The same tarball on Node 22 with Node-RED 5, which loads node files with import(): the
// package's CommonJS build and its import() of the ESM-only xmpp.js must work there too.
import assert from 'node:assert/strict';
import { eventually, Peer } from '../rig/peer';
import { Prosody } from '../rig/prosody';
import { declaredNodeTypes, echoBotFlow, node22, NodeRedProcess } from '../rig/node-red-process';

describe('the packed package in Node-RED 5 on Node 22', function () {
  this.timeout(60_000);
  let prosody: Prosody;
  let red: NodeRedProcess | undefined;
  let peer: Peer | undefined;

  before(async function () {
    this.timeout(180_000);
    prosody = await Prosody.start({ iterations: 100 });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('you', 'you-pw');
    red = await NodeRedProcess.start({ nodeBinary: await node22(), nodeRed: 'node-red@5' });
  });

  after(async () => {
    await peer?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  it('runs Node-RED 5 on Node 22 and registers every node type of the package without error', async () => {
    const settings = (await (await red!.get('/settings')).json()) as { version: string };
    assert.match(settings.version, /^5\./);
    const sets = (await (await red!.get('/nodes', { Accept: 'application/json' })).json()) as Array<{ module: string; types: string[]; err?: string }>;
    const ours = sets.filter((set) => set.module === 'node-red-contrib-xmpp-flows');
    assert.deepEqual(ours.flatMap((set) => set.types).sort(), declaredNodeTypes());
    assert.deepEqual(ours.filter((set) => set.err), []);
    assert.match(red!.log(), /v22\./);
  });

  it('an echo flow deployed through the admin API answers a peer', async () => {
    await red!.deploy(echoBotFlow({ jid: 'bot@localhost', password: 'bot-pw', host: '127.0.0.1', port: prosody.port, security: 'none' }));
    peer = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'you-pw' });
    await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
    const echo = peer.nextMessage((m) => m.getChildText('body') === 'echo: hello from Node 22');
    await peer.send('bot@localhost', 'hello from Node 22');
    await echo;
  });
});
