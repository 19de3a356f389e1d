// Round trips over a local Prosody between two clients of this package (the core as a config
// node uses it): a message echoed back, an IQ (ping to the server), and an XEP-0009 call served
// by the other client. Prints medians and 99th percentiles; asserts nothing.
import type { XmppClient } from '../nodes/core/client';
import { loadXmpp } from '../nodes/core/xmpp-lib';
import { coreClient } from '../test/rig/core-client';
import { Prosody } from '../test/rig/prosody';

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${samples.length})`;
}

function online(session: XmppClient): Promise<void> {
  return new Promise((resolve, reject) => {
    session.onStatus((s) => {
      if (s.state === 'online') resolve();
      if (s.state === 'failed') reject(s.error);
    });
    session.start();
  });
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 1000);
  await loadXmpp();
  const prosody = await Prosody.start({ iterations: 100 });
  try {
    await prosody.register('a', 'a-pw');
    await prosody.register('b', 'b-pw');
    const make = (local: string): XmppClient => coreClient({ jid: { local, domain: 'localhost', resource: 'bench' }, password: `${local}-pw`, port: prosody.port });
    const a = make('a');
    const b = make('b');
    await Promise.all([online(a), online(b)]);
    // b echoes every message back to its sender.
    b.messages.onMessage((m) => {
      void b.messages.send({ to: m.from, type: 'chat', body: m.body ?? '' }).catch(() => undefined);
    });
    b.rpc.serve(['echo'], { mode: 'listed', callers: ['a@localhost'] }, (call, _from, respond) => respond({ result: call.params[0] ?? null }));

    const message: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await new Promise<void>((resolve) => {
        const off = a.messages.onMessage((m) => {
          if (m.body !== `m${i}`) return;
          off();
          resolve();
        });
        void a.messages.send({ to: 'b@localhost/bench', type: 'chat', body: `m${i}` });
      });
      message.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const iq: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await a.iq.request('localhost', 'get', { name: 'ping', xmlns: 'urn:xmpp:ping' }, 10_000);
      iq.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const call: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await a.rpc.call('b@localhost/bench', 'echo', [`p${i}`], 10_000);
      call.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    console.log(`message round trip (a → b → a): ${stats(message)}`);
    console.log(`IQ round trip (ping to the server): ${stats(iq)}`);
    console.log(`Jabber-RPC call round trip (a calls b): ${stats(call)}`);
    await Promise.all([a.stop(), b.stop()]);
  } finally {
    await prosody.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
