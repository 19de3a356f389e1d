// One test body for "the packed package in Node-RED X on Node Y": Node-RED and the Node.js
// binary are chosen by the caller, so the suite can run the lowest versions package.json claims.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, Peer } from './peer';
import { Prosody } from './prosody';
import { declaredNodeTypes, echoBotFlow, nodeFromNpm, NodeRedProcess } from './node-red-process';

const run = promisify(execFile);

export interface PackedEchoOptions {
  /** What npm takes after `node@`: '22.9.0' exactly, or '22' for the newest 22.x. */
  node: string;
  /** A Node-RED to install, e.g. 'node-red@5'; the repository's own devDependency (4.1) when not given. */
  nodeRed?: string;
  /** The major version of Node-RED expected to answer (5 for 'node-red@5'). */
  nodeRedMajor: number;
}

/**
 * Registers a mocha suite: the packed package installed into that Node-RED on that Node.js
 * (fetched from the npm registry into .rig/), every node type registered without error, and
 * the echo example answering a peer through a real Prosody.
 */
export function describePackedEcho(options: PackedEchoOptions): void {
  describe(`the packed package in Node-RED ${options.nodeRedMajor} on Node ${options.node}`, function () {
    this.timeout(60_000);
    let prosody: Prosody;
    let red: NodeRedProcess | undefined;
    let peer: Peer | undefined;
    let nodeVersion = '';

    before(async function () {
      this.timeout(180_000);
      prosody = await Prosody.start({ iterations: 100 });
      await prosody.register('bot', 'bot-pw');
      await prosody.register('you', 'you-pw');
      const nodeBinary = await nodeFromNpm(options.node);
      nodeVersion = (await run(nodeBinary, ['-v'])).stdout.trim();
      red = await NodeRedProcess.start({ nodeBinary, ...(options.nodeRed ? { nodeRed: options.nodeRed } : {}) });
    });

    after(async () => {
      await peer?.stop();
      await red?.stop();
      await prosody?.stop();
    });

    it('runs on that Node.js and registers every node type of the package without error', async () => {
      assert.ok(nodeVersion === `v${options.node}` || nodeVersion.startsWith(`v${options.node}.`), `${nodeVersion} is node@${options.node}`);
      const settings = (await (await red!.get('/settings')).json()) as { version: string };
      assert.match(settings.version, new RegExp(`^${options.nodeRedMajor}\\.`));
      const sets = (await (await red!.get('/nodes', { Accept: 'application/json' })).json()) as Array<{ module: string; types: string[]; err?: string }>;
      const ours = sets.filter((set) => set.module === 'node-red-contrib-xmpp-flows');
      assert.deepEqual(ours.flatMap((set) => set.types).sort(), declaredNodeTypes());
      assert.deepEqual(ours.filter((set) => set.err), []);
      assert.ok(red!.log().includes(`Node.js  version: ${nodeVersion}\n`), `Node-RED reports ${nodeVersion}`);
    });

    it('an echo flow deployed through the admin API answers a peer', async () => {
      await red!.deploy(echoBotFlow({ jid: 'bot@localhost', password: 'bot-pw', host: '127.0.0.1', port: prosody.port, security: 'none' }));
      peer = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'you-pw' });
      await eventually(() => prosody.sessionCount('bot@localhost'), (n) => n === 1, 15_000, 'the bot online');
      const echo = peer.nextMessage((m) => m.getChildText('body') === `echo: hello from Node ${options.node}`);
      await peer.send('bot@localhost', `hello from Node ${options.node}`);
      await echo;
    });
  });
}
