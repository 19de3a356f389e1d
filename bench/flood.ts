// A flood from one account against a real Node-RED process with the packed package: COUNT chat
// messages (default 50,000) into xmpp-in → a 2 ms step, without and with the per-sender limit,
// while an unrelated HTTP endpoint is polled. Prints its answer times; asserts nothing.
// Usage: COUNT=50000 npm run bench:flood (ONLY=with or ONLY=without for one of the two runs).
import { Flooder, floodRun, percentiles, type LimitFields } from '../test/rig/flood';
import { NodeRedProcess } from '../test/rig/node-red-process';
import { Prosody } from '../test/rig/prosody';

async function main(): Promise<void> {
  const count = Number(process.env.COUNT ?? 50_000);
  const runs: Array<[string, LimitFields]> = [
    ['without the limit', {}],
    ['with the limit (10/s, burst 100)', { rateLimit: true, rate: 10, burst: 100 }],
  ];
  const only = process.env.ONLY; // 'with' or 'without' to run one of them
  const prosody = await Prosody.start({ iterations: 100 });
  const red = await NodeRedProcess.start();
  const flooder = await (async () => {
    await prosody.register('flooder', 'flooder-pw');
    return Flooder.connect(prosody.port, 'flooder@localhost', 'flooder-pw');
  })();
  try {
    const bot = await prosody.register('bot', 'bot-pw');
    const account = { jid: bot, password: 'bot-pw', host: '127.0.0.1', port: prosody.port, security: 'none' as const };
    let run = 0;
    for (const [label, limit] of runs) {
      if (only && !label.startsWith(only === 'with' ? 'with the' : 'without')) continue;
      run += 1;
      const result = await floodRun(red, account, flooder, count, limit, String(run), 600_000);
      console.log(`${label}: ${count} messages written in ${result.sentMs} ms, all handled after ${result.handledMs} ms; ` +
        `${result.state.received} reached the flow; status "${result.state.status?.text ?? ''}"`);
      console.log(`  unrelated endpoint: ${percentiles(result.latencies)}`);
    }
  } finally {
    await flooder.stop();
    await red.stop();
    await prosody.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
