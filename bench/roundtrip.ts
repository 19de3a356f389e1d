// Round trips over a local Prosody between two Sessions of this package: a message echoed back,
// an IQ (ping to the server), and an XEP-0009 call served by the other session. Prints medians
// and 99th percentiles; asserts nothing.
import { callRemote, RpcServer } from '../nodes/core/rpc/jabber-rpc';
import { Session } from '../nodes/core/session/session';
import { Prosody } from '../test/rig/prosody';

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${samples.length})`;
}

function online(session: Session): Promise<void> {
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
  const prosody = await Prosody.start({ iterations: 100 });
  try {
    await prosody.register('a', 'a-pw');
    await prosody.register('b', 'b-pw');
    const make = (local: string): Session =>
      new Session({ jid: { local, domain: 'localhost', resource: 'bench' }, password: `${local}-pw`, host: '127.0.0.1', port: prosody.port, security: 'none', presence: {} });
    const a = make('a');
    const b = make('b');
    await Promise.all([online(a), online(b)]);
    // b echoes every message back to its sender.
    b.dispatcher.subscribe('message', (m) => {
      void b.sendMessage({ to: m.attrs.from ?? '', type: 'chat', body: m.getChildText('body') ?? '' }).catch(() => undefined);
    });
    const rpc = new RpcServer();
    rpc.attach(b);
    rpc.serve(['echo'], { mode: 'listed', callers: ['a@localhost'] }, (call, _from, respond) => respond({ result: call.params[0] ?? null }));

    const message: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await new Promise<void>((resolve) => {
        const off = a.dispatcher.subscribe('message', (m) => {
          if (m.getChildText('body') !== `m${i}`) return;
          off();
          resolve();
        });
        void a.sendMessage({ to: 'b@localhost/bench', type: 'chat', body: `m${i}` });
      });
      message.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const iq: number[] = [];
    const xml = a.xml!;
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await a.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      iq.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const call: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const started = process.hrtime.bigint();
      await callRemote(a, 'b@localhost/bench', { method: 'echo', params: [`p${i}`] }, 10_000);
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
