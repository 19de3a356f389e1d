// Connect + login time of the core's client (as a config node uses it) against a local Prosody, at Prosody's default SCRAM cost
// (10,000 PBKDF2 rounds) and at a cheap one (100). Prints figures; asserts nothing.
import { loadXmpp } from '../nodes/core/xmpp-lib';
import { coreClient } from '../test/rig/core-client';
import { Prosody } from '../test/rig/prosody';

async function loginOnce(prosody: Prosody, user: string, password: string): Promise<number> {
  const started = process.hrtime.bigint();
  const session = coreClient({ jid: { local: user, domain: 'localhost', resource: 'bench' }, password, port: prosody.port });
  await new Promise<void>((resolve, reject) => {
    session.onStatus((status) => {
      if (status.state === 'online') resolve();
      if (status.state === 'failed' || status.state === 'retrying') reject(status.error);
    });
    session.start();
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await session.stop();
  return ms;
}

/** The same login with stock @xmpp/client 0.14 (its own SCRAM-SHA-1 over WebCrypto). */
async function stockLoginOnce(prosody: Prosody, user: string, password: string): Promise<number> {
  const { client } = await loadXmpp();
  const started = process.hrtime.bigint();
  const xmpp = client({ service: `xmpp://127.0.0.1:${prosody.port}`, domain: 'localhost', username: user, password, resource: 'stock' });
  xmpp.reconnect.stop();
  xmpp.on('error', () => undefined);
  await xmpp.start();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await xmpp.stop();
  return ms;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(1)} ms, min ${(sorted[0] ?? 0).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms (n=${values.length})`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 10);
  await loadXmpp();
  for (const iterations of [undefined, 100]) {
    const prosody = await Prosody.start(iterations ? { iterations } : {});
    try {
      await prosody.register('bench', 'bench-pw');
      await loginOnce(prosody, 'bench', 'bench-pw'); // warm up: module loading, first TLS-free connect
      await stockLoginOnce(prosody, 'bench', 'bench-pw');
      const ours: number[] = [];
      const stock: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        ours.push(await loginOnce(prosody, 'bench', 'bench-pw'));
        stock.push(await stockLoginOnce(prosody, 'bench', 'bench-pw'));
      }
      const rounds = iterations ?? '10000 (Prosody default)';
      console.log(`connect+login, SCRAM-SHA-1, ${rounds} rounds, this package (a new session each time): ${summary(ours)}`);
      console.log(`connect+login, SCRAM-SHA-1, ${rounds} rounds, stock @xmpp/client 0.14:              ${summary(stock)}`);
    } finally {
      await prosody.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
