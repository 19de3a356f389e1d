// Connect + login time of a Session against a local Prosody, at Prosody's default SCRAM cost
// (10,000 PBKDF2 rounds) and at a cheap one (100). Prints figures; asserts nothing.
import { Session } from '../nodes/core/session';
import { Prosody } from '../test/rig/prosody';

async function loginOnce(prosody: Prosody, user: string, password: string): Promise<number> {
  const started = process.hrtime.bigint();
  const session = new Session({
    jid: { local: user, domain: 'localhost', resource: 'bench' },
    password,
    host: '127.0.0.1',
    port: prosody.port,
    security: 'none',
    presence: {},
  });
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

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(1)} ms, min ${(sorted[0] ?? 0).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms (n=${values.length})`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 10);
  for (const iterations of [undefined, 100]) {
    const prosody = await Prosody.start(iterations ? { iterations } : {});
    try {
      await prosody.register('bench', 'bench-pw');
      await loginOnce(prosody, 'bench', 'bench-pw'); // warm up: module loading, first TLS-free connect
      const times: number[] = [];
      for (let i = 0; i < runs; i += 1) times.push(await loginOnce(prosody, 'bench', 'bench-pw'));
      console.log(`connect+login, SCRAM-SHA-1 with ${iterations ?? '10000 (Prosody default)'} rounds: ${summary(times)}`);
    } finally {
      await prosody.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
