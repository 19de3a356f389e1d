// What a user sees: a real Node-RED process with the packed package, running xmpp-in → a function
// → xmpp-out (an echo bot without a rate limit), and a peer of our own (stock xmpp.js) that sends
// a message and waits for the echo, one after the other. Prints the round trip's median and 99th
// percentile and the Node-RED process's CPU time per round trip; asserts nothing.
// Usage: RUNS=2000 npm run bench:node-red-roundtrip
import { readFileSync } from 'node:fs';
import { Peer } from '../test/rig/peer';
import { NodeRedProcess, pointAt, type FlowNode } from '../test/rig/node-red-process';
import { Prosody } from '../test/rig/prosody';

const TAB = 'rt-tab';

function echoFlow(): FlowNode[] {
  return [
    { id: TAB, type: 'tab', label: 'round trip', disabled: false, info: '' },
    { id: 'rt-account', type: 'xmpp-config', name: 'bot', jid: '', host: '', port: '', security: 'none', trust: 'system', subscriptions: 'flow', show: '', status: '', priority: '0' },
    { id: 'rt-in', type: 'xmpp-in', z: TAB, name: '', server: 'rt-account', from: '', msgType: 'chat', bodiless: false, x: 150, y: 100, wires: [['rt-fn']] },
    { id: 'rt-fn', type: 'function', z: TAB, name: '', func: "msg.payload = 'echo: ' + msg.payload;\nreturn msg;", outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 350, y: 100, wires: [['rt-out']] },
    { id: 'rt-out', type: 'xmpp-out', z: TAB, name: '', server: 'rt-account', to: '', msgType: 'chat', subject: '', x: 550, y: 100, wires: [] },
  ];
}

/** User plus system CPU time of a process so far, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15 (1-based over the whole line).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${samples.length})`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 2000);
  const prosody = await Prosody.start({ iterations: 100 });
  let red: NodeRedProcess | undefined;
  let peer: Peer | undefined;
  try {
    const bot = await prosody.register('bot', 'bot-pw');
    await prosody.register('you', 'you-pw');
    red = await NodeRedProcess.start();
    await red.deploy(pointAt(echoFlow(), { jid: bot, password: 'bot-pw', host: '127.0.0.1', port: prosody.port, security: 'none' }), 'full');
    peer = await Peer.connect({ port: prosody.port, jid: 'you@localhost', password: 'you-pw' });
    // Our own nodes write without delay; the peer must too, or Nagle's algorithm against delayed
    // ACKs adds ~40 ms to nearly every round trip and hides everything else.
    (peer.client.socket as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true);
    const ask = async (text: string): Promise<void> => {
      const echo = peer!.nextMessage((m) => m.getChildText('body') === `echo: ${text}`, 30_000);
      await peer!.send(bot, text);
      await echo;
    };
    // Until the bot is online, and a few to warm up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await ask('warm-up');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    for (let i = 0; i < 200; i += 1) await ask(`w${i}`);
    const pid = red.pid;
    if (pid === undefined) throw new Error('Node-RED has no pid');
    const cpuBefore = cpuMs(pid);
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await ask(`m${i}`);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const cpu = cpuMs(pid) - cpuBefore;
    console.log(`Node-RED echo round trip (peer → xmpp-in → function → xmpp-out → peer): ${stats(samples)}; Node-RED CPU ${((cpu * 1000) / runs).toFixed(0)} µs per round trip`);
  } finally {
    await peer?.stop();
    await red?.stop();
    await prosody.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
