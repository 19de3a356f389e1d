// The "bare" baseline of bench/run.ts: stock @xmpp/client (its own SCRAM, its own 1 s reconnect)
// alone in a Node process, so its CPU can be read per process. Driven over IPC by bare-process.ts:
// send a batch, count a batch, echo, or call IQ-RPC sequentially.
import { BenchClient } from './bench-client';
import { wallMs } from './bench-util';
import type { XmlElement } from '../nodes/core/xmpp-lib';

export interface WorkerAccount {
  port: number;
  jid: string;
  password: string;
  resource: string;
}

export type WorkerCommand =
  | { id: number; cmd: 'send'; to: string; n: number; run: string }
  | { id: number; cmd: 'count'; n: number; run: string }
  | { id: number; cmd: 'awaitCount' }
  | { id: number; cmd: 'peek' }
  | { id: number; cmd: 'echo' }
  | { id: number; cmd: 'iq'; to: string; n: number }
  | { id: number; cmd: 'stop' };

const BATCH = 500;

let counting: { id: number | undefined; n: number; run: string; count: number; next: number; outOfOrder: number; firstAt: number; lastAt: number } | undefined;
let echoing = false;

function reply(message: Record<string, unknown>): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const account = JSON.parse(process.argv[2] ?? '{}') as WorkerAccount;
  const bot = await BenchClient.connect({ ...account, reconnect: true });
  bot.on('message', (stanza: XmlElement) => {
    const body = stanza.getChildText('body');
    if (body === null || stanza.attrs.type === 'error') return;
    if (echoing && stanza.attrs.from) {
      void bot.send(stanza.attrs.from, `echo: ${body}`).catch(() => undefined);
      return;
    }
    if (counting && body.startsWith(`${counting.run}:`)) {
      const c = counting;
      const index = Number(body.slice(c.run.length + 1));
      if (c.count === 0) c.firstAt = wallMs();
      c.lastAt = wallMs();
      if (index !== c.next) c.outOfOrder += 1;
      c.next = index + 1;
      c.count += 1;
      if (c.count === c.n && c.id !== undefined) reply({ id: c.id, count: c.count, outOfOrder: c.outOfOrder, firstAt: c.firstAt, lastAt: c.lastAt });
    }
  });
  reply({ id: 0, online: true });

  process.on('message', (command: WorkerCommand) => {
    void handle(command).catch((error: unknown) => reply({ id: command.id, error: String(error) }));
  });

  async function handle(command: WorkerCommand): Promise<void> {
    switch (command.cmd) {
      case 'send': {
        const firstAt = wallMs();
        for (let start = 0; start < command.n; start += BATCH) {
          const batch: Promise<void>[] = [];
          for (let i = start; i < Math.min(command.n, start + BATCH); i += 1) batch.push(bot.send(command.to, `${command.run}:${i}`));
          await Promise.all(batch);
        }
        reply({ id: command.id, firstAt, lastAt: wallMs() });
        return;
      }
      case 'count':
        counting = { id: undefined, n: command.n, run: command.run, count: 0, next: 0, outOfOrder: 0, firstAt: 0, lastAt: 0 };
        reply({ id: command.id });
        return;
      case 'awaitCount': {
        const c = counting;
        if (!c) throw new Error('not counting');
        if (c.count >= c.n) reply({ id: command.id, count: c.count, outOfOrder: c.outOfOrder, firstAt: c.firstAt, lastAt: c.lastAt });
        else c.id = command.id;
        return;
      }
      case 'peek':
        reply({ id: command.id, count: counting?.count ?? 0, outOfOrder: counting?.outOfOrder ?? 0 });
        return;
      case 'echo':
        echoing = true;
        reply({ id: command.id });
        return;
      case 'iq': {
        const { xml } = bot;
        const samples: number[] = [];
        for (let i = 0; i < command.n; i += 1) {
          const call = xml(
            'iq',
            { type: 'set', to: command.to },
            xml('query', { xmlns: 'jabber:iq:rpc' }, xml('methodCall', {}, xml('methodName', {}, 'echo'), xml('params', {}, xml('param', {}, xml('value', {}, xml('string', {}, `c${i}`)))))),
          );
          const started = wallMs();
          await bot.client.iqCaller.request(call, 10_000);
          samples.push(wallMs() - started);
        }
        reply({ id: command.id, samples });
        return;
      }
      case 'stop':
        await bot.stop();
        reply({ id: command.id });
        process.disconnect?.();
        process.exit(0);
    }
  }
}

main().catch((error: unknown) => {
  console.error('bare worker:', error);
  process.exit(1);
});
