// Losing nothing: a flow sends 10,000 messages while the server is restarted in the middle.
// The receiver is offline while they are sent, so the server stores each message it accepts
// (mod_offline) and hands them all over when the receiver logs in: what arrives is exactly what
// the server accepted from the bot, nothing lost in a second hop we do not own.
import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import { eventually } from '../rig/peer';
import { slixCollect } from '../rig/slixmpp';
import { Prosody } from '../rig/prosody';
import { configNode, getNode, helper, lastStatus, nodes, startServer, stopServer, type FlowNode } from '../rig/red';

const TOTAL = 10_000;
const completeNode = require('@node-red/nodes/core/common/24-complete.js') as (red: unknown) => void;

describe('losing nothing across a server restart', function () {
  this.timeout(120_000);
  let prosody: Prosody;

  before(async () => {
    await startServer();
    prosody = await Prosody.start({ iterations: 100, offline: true });
    await prosody.register('bot', 'bot-pw');
    await prosody.register('rx', 'rx-pw');
  });

  after(async () => {
    await helper.unload();
    await prosody?.stop();
    await stopServer();
  });

  afterEach(async () => {
    await helper.unload();
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${TOTAL} messages sent while the server is restarted (${signal}) all arrive, in order; duplicates counted`, async () => {
      const run = `${signal}-${Date.now()}`;
      const flow: FlowNode[] = [
        { id: 'f1', type: 'tab', label: 'delivery' },
        configNode('cfg', 'bot@localhost', prosody.port, { queueCount: '20000', queueKB: '102400', queueAge: '600' }),
        { id: 'out', type: 'xmpp-out', z: 'f1', server: 'cfg', to: 'rx@localhost', msgType: 'chat', subject: '', failFast: false, wires: [] },
        { id: 'completed', type: 'complete', z: 'f1', scope: ['out'], uncaught: false, wires: [['done-sink']] },
        { id: 'done-sink', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['err-sink']] },
        { id: 'err-sink', type: 'helper', z: 'f1' },
      ];
      await helper.load([...nodes, completeNode], flow, { cfg: { password: 'bot-pw' } });
      await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 10_000, 'connected');
      let completed = 0;
      const errors: string[] = [];
      getNode('done-sink').on('input', () => (completed += 1));
      getNode('err-sink').on('input', (msg: NodeMessage) => errors.push(String((msg.error as { message?: string })?.message)));

      const out = getNode('out');
      const started = Date.now();
      let restarted: Promise<void> | undefined;
      let restartAt = 0;
      let backAt = 0;
      for (let i = 0; i < TOTAL; i += 1) {
        out.receive({ payload: `${run} ${i}` });
        if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
        if (i === TOTAL / 2) {
          restartAt = Date.now();
          restarted = (async () => {
            await prosody.kill(signal);
            await prosody.launch();
          })();
        }
      }
      await restarted;
      await eventually(() => completed + errors.length, (n) => n === TOTAL, 60_000, 'every message done');
      await eventually(() => lastStatus('out'), (s) => s?.fill === 'green', 10_000, 'connected again');
      backAt = Date.now();
      const sendMs = Date.now() - started;
      assert.deepEqual(errors, [], 'no message refused');

      // The receiver logs in now and gets what the server stored, ending with a marker sent last.
      const marker = `${run} end`;
      out.receive({ payload: marker });
      await eventually(() => completed, (n) => n === TOTAL + 1, 10_000, 'the marker done');
      // The receiver is slixmpp: a client we did not write, without stream management.
      const collected = await slixCollect(`rx@localhost/${signal}`, 'rx-pw', prosody.port, marker, 90);
      assert.equal(collected.code, 0, `the marker arrived (got ${collected.bodies.length} messages, the last ${JSON.stringify(collected.bodies.slice(-2))}); server log:\n${prosody.log().split('\n').slice(-15).join('\n')}`);
      {
        const got = collected.bodies.filter((b) => b.startsWith(`${run} `) && b !== marker).map((b) => Number(b.slice(run.length + 1)));
        const seen = new Set<number>();
        let duplicates = 0;
        let outOfOrder = 0;
        let highest = -1;
        for (const n of got) {
          if (seen.has(n)) {
            duplicates += 1;
            continue;
          }
          if (n < highest) outOfOrder += 1;
          highest = Math.max(highest, n);
          seen.add(n);
        }
        const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !seen.has(i));
        console.log(
          `      ${signal}: sent ${TOTAL}, received ${got.length} (${seen.size} distinct), duplicates ${duplicates}, missing ${missing.length}, out of order ${outOfOrder}; all done after ${sendMs} ms; server restarted in ${backAt - restartAt} ms incl. reconnect`,
        );
        assert.deepEqual(missing, [], 'nothing lost');
        assert.equal(outOfOrder, 0, 'first arrivals in order');
        // After a restart the server cannot say which of the stanzas it had not yet acknowledged it
        // handled, so those are sent again: at most the ones since the last <a/> (we ask every 20) and those still in flight.
        assert.ok(duplicates <= 1000, `${duplicates} duplicates`);
      }
    });
  }
});
