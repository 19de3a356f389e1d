// A flood of Jabber-RPC calls at an iq-rpc serve node whose flow never answers (issue 10: 50,000
// calls gave 50,000 warning lines, 16,000 pending timers and a 352 MB heap peak). A real Node-RED
// process with the packed package (its heap read from V8's --trace-gc lines, its RSS from /proc),
// a local Prosody, CALLERS xmpp.js clients sending CALLS calls in all. Prints what reached the
// flow, how the calls were answered, the node's warning lines, heap and RSS. Asserts nothing.
// CALLS (50000), CALLERS (10), TIMEOUT_S (10: the node's reply timeout).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCall } from '../nodes/core/rpc/rpc-stanza';
import type { XmlElement } from '../nodes/core/xmpp-lib';
import { NodeRedProcess } from '../test/rig/node-red-process';
import { eventually, Peer } from '../test/rig/peer';
import { Prosody } from '../test/rig/prosody';

const BOT = 'floodbot@localhost/home';

/** Node-RED's node, with V8 printing every garbage collection (heap before → after). */
function nodeWithGcTrace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-flood-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const wrapper = join(dir, 'node');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" --trace-gc "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** The largest heap V8 reported before a collection, in MB, from log offset `from` on. */
function heapPeakMb(log: string): number {
  let peak = 0;
  for (const match of log.matchAll(/(?:Scavenge|Mark-Compact|Mark-sweep)[^\n]*?\s(\d+(?:\.\d+)?) \((\d+(?:\.\d+)?)\) -> (\d+(?:\.\d+)?)/g)) {
    peak = Math.max(peak, Number(match[1]));
  }
  return peak;
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const calls = Number(process.env.CALLS ?? 50_000);
  const callers = Number(process.env.CALLERS ?? 10);
  const timeoutS = Number(process.env.TIMEOUT_S ?? 10);
  const prosody = await Prosody.start({ iterations: 100 });
  const red = await NodeRedProcess.start({ nodeBinary: nodeWithGcTrace() });
  const peers: Peer[] = [];
  try {
    await prosody.register('floodbot', 'bot-pw');
    for (let i = 0; i < callers; i++) await prosody.register(`caller${i}`, 'caller-pw');
    await red.deploy([
      { id: 'f1', type: 'tab', label: 'flood' },
      { id: 'cfg', type: 'xmpp-config', jid: BOT, host: '127.0.0.1', port: String(prosody.port), security: 'none', show: '', status: '', priority: '0', credentials: { password: 'bot-pw' } },
      // 'anyone' for the code since issue 10; the code before ignores the field (an empty list was anyone).
      { id: 'srv', type: 'iq-rpc', z: 'f1', server: 'cfg', mode: 'serve', methods: 'hang', access: 'anyone', callers: '', timeout: timeoutS, wires: [['sink']] },
      { id: 'sink', type: 'function', z: 'f1', func: "flow.set('reached', (flow.get('reached') || 0) + 1);\nreturn null;", outputs: 1, wires: [[]] },
      { id: 'count', type: 'http in', z: 'f1', url: '/bench/reached', method: 'get', wires: [['countFn']] },
      { id: 'countFn', type: 'function', z: 'f1', func: "msg.payload = { reached: flow.get('reached') || 0 };\nreturn msg;", outputs: 1, wires: [['countOut']] },
      { id: 'countOut', type: 'http response', z: 'f1', wires: [] },
    ]);
    for (let i = 0; i < callers; i++) peers.push(await Peer.connect({ port: prosody.port, jid: `caller${i}@localhost`, password: 'caller-pw', resource: 'flood' }));
    await eventually(() => prosody.sessionJids('floodbot@localhost'), (j) => j.length === 1, 15_000, 'the bot online');

    const outcomes = new Map<string, number>();
    let answered = 0;
    let allAnswered: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allAnswered = resolve;
    });
    for (const peer of peers) {
      peer.on('iq', (iq: XmlElement) => {
        peer.received.length = 0; // the peer keeps what it got: not what is measured here
        if (!iq.attrs.id?.startsWith('f')) return;
        const kind = iq.attrs.type === 'error' ? (iq.getChild('error')?.getChildElements()[0]?.name ?? 'error') : /faultCode/.test(iq.toString()) ? 'fault' : 'result';
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        answered += 1;
        if (answered === calls) allAnswered();
      });
    }

    const pid = red.pid as number;
    const from = red.log().length;
    const before = { rss: rssMb(pid, 'VmRSS'), heap: heapPeakMb(red.log()) };
    let rssPeak = before.rss;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(pid, 'VmRSS'));
    }, 50);
    const started = Date.now();
    const perCaller = Math.ceil(calls / callers);
    await Promise.all(
      peers.map(async (peer, p) => {
        for (let i = 0; i < perCaller && p * perCaller + i < calls; i++) {
          await peer.sendRaw(peer.xml('iq', { type: 'set', to: BOT, id: `f${p}-${i}` }, buildCall(peer.xml, { method: 'hang', params: [i] })));
        }
      }),
    );
    const sentMs = Date.now() - started;
    await done;
    const answeredMs = Date.now() - started;
    clearInterval(sampler);
    const reached = ((await (await red.fetch('/bench/reached')).json()) as { reached: number }).reached;
    const log = red.log().slice(from);
    const warnings = [...log.matchAll(/\[warn\] \[iq-rpc:[^\]]*\] (.*)/g)].map((m) => m[1] as string);
    const kinds = new Map<string, number>();
    for (const line of warnings) {
      const kind = line.replace(/\d+/g, 'N').slice(0, 60);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log(`${calls} calls from ${callers} callers at a serve node whose flow never answers (reply timeout ${timeoutS} s), Node-RED in its own process:`);
    console.log(`  sent in ${(sentMs / 1000).toFixed(1)} s, all answered after ${(answeredMs / 1000).toFixed(1)} s; reached the flow: ${reached}`);
    console.log(`  answers: ${[...outcomes].map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
    console.log(`  warning lines of the node: ${warnings.length}`);
    for (const [kind, n] of kinds) console.log(`    ×${n}  ${kind}…`);
    console.log(`  Node-RED heap (V8, before a collection): ${before.heap.toFixed(0)} MB before the flood, peak ${heapPeakMb(log).toFixed(0)} MB during it`);
    console.log(`  Node-RED RSS: ${before.rss.toFixed(0)} MB before, peak ${rssPeak.toFixed(0)} MB (VmHWM ${rssMb(pid, 'VmHWM').toFixed(0)} MB), ${rssMb(pid, 'VmRSS').toFixed(0)} MB after`);
  } finally {
    for (const peer of peers) await peer.stop();
    await red.stop();
    await prosody.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
