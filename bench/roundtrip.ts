// Round trips over a local Prosody, one after the other, each layer against the same baseline
// measured in the same run: two stock @xmpp/client sessions echoing a message (what the library
// we build on costs by itself). Then our session with raw stanzas, our client's message module
// (typed messages, ids for bounces: what the nodes use), an IQ ping to the server and an
// XEP-0009 call served by the other client. Prints medians, 99th percentiles, this process's CPU
// time per round trip (both ends run in it) and the ratio of each median and CPU time to the
// baseline's; asserts nothing.
// Usage: RUNS=2000 npm run bench:roundtrip
import type { XmppClient } from '../nodes/core/client';
import type { Session } from '../nodes/core/session/session';
import { loadXmpp, xmppLib, type XmlElement } from '../nodes/core/xmpp-lib';
import { coreClient, coreSession } from '../test/rig/core-client';
import { Peer } from '../test/rig/peer';
import { Prosody } from '../test/rig/prosody';

interface Figure {
  label: string;
  median: number;
  p99: number;
  cpuUs: number;
}

/** Runs `trip` `runs` times one after the other, after a tenth as many to warm up. */
async function measure(label: string, runs: number, trip: (i: number) => Promise<void>): Promise<Figure> {
  for (let i = 0; i < Math.ceil(runs / 10); i += 1) await trip(-1 - i);
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    await trip(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { label, median: at(0.5), p99: at(0.99), cpuUs: (cpu.user + cpu.system) / runs };
}

function started<T extends { onStatus: XmppClient['onStatus']; start(): void }>(client: T): Promise<T> {
  return new Promise((resolve, reject) => {
    client.onStatus((s) => {
      if (s.state === 'online') resolve(client);
      if (s.state === 'failed') reject(s.error);
    });
    client.start();
  });
}

/** Sets TCP_NODELAY on a stock client's socket, as our session does on its own. */
function noDelay(peer: Peer): void {
  (peer.client.socket as { setNoDelay?: (on: boolean) => void } | null)?.setNoDelay?.(true);
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 2000);
  await loadXmpp();
  const { xml } = xmppLib();
  const prosody = await Prosody.start({ iterations: 100 });
  const figures: Figure[] = [];
  try {
    for (const local of ['a', 'b', 'c', 'd', 'e', 'f']) await prosody.register(local, `${local}-pw`);
    const jid = (local: string): { local: string; domain: string; resource: string } => ({ local, domain: 'localhost', resource: 'bench' });

    // The baseline: stock xmpp.js at both ends, b echoing.
    {
      const [a, b] = await Promise.all(['a', 'b'].map((local) => Peer.connect({ port: prosody.port, jid: `${local}@localhost`, password: `${local}-pw`, resource: 'bench', stockDecoding: true })));
      noDelay(a!);
      noDelay(b!);
      b!.on('message', (m: XmlElement) => void b!.sendRaw(xml('message', { to: m.attrs.from ?? '', type: 'chat' }, xml('body', {}, m.getChildText('body') ?? ''))).catch(() => undefined));
      figures.push(
        await measure('stock @xmpp/client message round trip (baseline)', runs, async (i) => {
          const echo = a!.nextMessage((m) => m.getChildText('body') === `m${i}`);
          await a!.send('b@localhost/bench', `m${i}`);
          await echo;
        }),
      );
      await Promise.all([a!.stop(), b!.stop()]);
    }

    // Our session, raw stanzas (the layer every module sends and receives through).
    {
      const make = (local: string): ReturnType<typeof coreSession> => coreSession({ jid: jid(local), password: `${local}-pw`, port: prosody.port });
      const a = make('c');
      const b = make('d');
      const online = (session: Session): Promise<Session> => started(session);
      await Promise.all([online(a.session), online(b.session)]);
      b.dispatcher.subscribe('message', (m) => {
        void b.session.send(xml('message', { to: m.attrs.from ?? '', type: 'chat' }, xml('body', {}, m.getChildText('body') ?? ''))).catch(() => undefined);
      });
      figures.push(
        await measure('our session, raw stanzas: message round trip', runs, (i) =>
          new Promise<void>((resolve) => {
            const off = a.dispatcher.subscribe('message', (m) => {
              if (m.getChildText('body') !== `m${i}`) return;
              off();
              resolve();
            });
            void a.session.send(xml('message', { to: 'd@localhost/bench', type: 'chat' }, xml('body', {}, `m${i}`)));
          }),
        ),
      );
      await Promise.all([a.session.stop(), b.session.stop()]);
    }

    // Our client: typed messages, as the nodes use them; then an IQ and an RPC call.
    {
      const a = await started(coreClient({ jid: jid('e'), password: 'e-pw', port: prosody.port }));
      const b = await started(coreClient({ jid: jid('f'), password: 'f-pw', port: prosody.port }));
      b.messages.onMessage((m) => {
        void b.messages.send({ to: m.from, type: 'chat', body: m.body ?? '' }).catch(() => undefined);
      });
      b.rpc.serve(['echo'], { mode: 'listed', callers: ['e@localhost'] }, (call, _from, respond) => respond({ result: call.params[0] ?? null }));
      figures.push(
        await measure('our client, typed messages: message round trip', runs, (i) =>
          new Promise<void>((resolve) => {
            const off = a.messages.onMessage((m) => {
              if (m.body !== `m${i}`) return;
              off();
              resolve();
            });
            void a.messages.send({ to: 'f@localhost/bench', type: 'chat', body: `m${i}` });
          }),
        ),
      );
      figures.push(
        await measure('our client: IQ round trip (ping to the server)', runs, async () => {
          await a.iq.request('localhost', 'get', { name: 'ping', xmlns: 'urn:xmpp:ping' }, 10_000);
        }),
      );
      figures.push(
        await measure('our client: Jabber-RPC call round trip', runs, async (i) => {
          await a.rpc.call('f@localhost/bench', 'echo', [`p${i}`], 10_000);
        }),
      );
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await prosody.stop();
  }
  const [baseline] = figures;
  for (const f of figures) {
    const ratio = baseline ? ` = ${(f.median / baseline.median).toFixed(2)}× the baseline's median, ${(f.cpuUs / baseline.cpuUs).toFixed(2)}× its CPU` : '';
    console.log(`${f.label}: median ${f.median.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms, CPU ${f.cpuUs.toFixed(0)} µs per round trip (n=${runs})${ratio}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
