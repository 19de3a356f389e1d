// `npm run bench` (three runs of each measure, several minutes) and `npm run bench -- --quick`
// (one small run, about a minute): this package in a real Node-RED process against a real
// Prosody (default SCRAM, stream management), beside stock @xmpp/client alone in a process
// ("bare") and the official node-red-node-xmpp in another Node-RED ("official"). Prints a table
// and writes every raw figure to bench/results/latest.json. Asserts no timing: exits non-zero
// only when a measure of bare or ours did not complete or lost messages.
// BENCH_LONG_OUTAGE_S shortens (or lengthens) the long outage only; BENCH_RESULTS names the JSON file;
// OFFICIAL_XMPP_TGZ names a tarball of node-red-node-xmpp 0.7.0 when the npm registry does not serve it
// (the official column is skipped, and the report says why, when neither is there).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { BareProcess } from './bare-process';
import { BenchClient } from './bench-client';
import { cpuMs, ReportServer, rssMiB, sleep, summarize, wallMs, within } from './bench-util';
import { countFlow, echoFlow, floorFlow, rpcLoopFlow, sendFlow, type Account } from './flows';
import { officialSource } from './official';
import { rows, table, type Column, type ColumnResult, type MeasureName, type Measures } from './report';
import { NodeRedProcess, REPO_ROOT, type FlowNode } from '../test/rig/node-red-process';
import { DOMAIN, freePort, Prosody } from '../test/rig/prosody';
import type { XmlElement } from '../nodes/core/xmpp-lib';

const QUICK = process.argv.includes('--quick');
const SIZE = QUICK
  ? { runs: 1, out: 2000, in: 2000, echo: 300, rpc: 200, outageMs: 3000, longOutageMs: 20_000, memFirst: 2000, memLast: 10_000 }
  : { runs: 3, out: 20_000, in: 20_000, echo: 2000, rpc: 2000, outageMs: 10_000, longOutageMs: 300_000, memFirst: 10_000, memLast: 100_000 };
if (process.env.BENCH_LONG_OUTAGE_S) SIZE.longOutageMs = Number(process.env.BENCH_LONG_OUTAGE_S) * 1000;
const WINDOW = 20;
const PASSWORD = 'bench-secret';

const log = (text: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);

const measures: Measures = { out: {}, in: {}, floor: {}, rpcFloor: {}, echo: {}, rpc: {}, recovery: {}, outage: {}, memory: {} };

/** Runs one column of a measure; a failure is written down, not thrown. */
async function column(name: MeasureName, col: Column, body: (result: ColumnResult) => Promise<void>): Promise<void> {
  const result: ColumnResult = { runs: [] };
  measures[name][col] = result;
  try {
    await body(result);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`${name}/${col} failed: ${result.error}`);
  }
}

function account(user: string, port: number): Account {
  return { jid: `${user}@${DOMAIN}`, password: PASSWORD, port };
}

/** Counts "<run>:<i>" bodies arriving at a bench client, in order or not. */
function expectBatch(client: BenchClient, run: string, n: number, timeoutMs: number): Promise<{ count: number; outOfOrder: number; lastAt: number }> {
  return new Promise((resolve) => {
    const state = { count: 0, outOfOrder: 0, lastAt: 0, next: 0 };
    const finish = (): void => {
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(state);
    };
    const onMessage = (stanza: XmlElement): void => {
      const body = stanza.getChildText('body');
      if (body === null || stanza.attrs.type === 'error' || !body.startsWith(`${run}:`)) return;
      const index = Number(body.slice(run.length + 1));
      if (index !== state.next) state.outOfOrder += 1;
      state.next = index + 1;
      state.count += 1;
      state.lastAt = wallMs();
      if (state.count === n) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    client.on('message', onMessage);
  });
}

/** Sends `text` to a bot and resolves at its echo. */
function echoOnce(peer: BenchClient, bot: string, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (stanza: XmlElement): void => {
      if (stanza.getChildText('body') === `echo: ${text}` && stanza.attrs.from?.startsWith(`${bot}/`)) {
        clearTimeout(timer);
        peer.off('message', onMessage);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      peer.off('message', onMessage);
      reject(new Error(`no echo of "${text}" from ${bot} in ${timeoutMs} ms`));
    }, timeoutMs);
    peer.on('message', onMessage);
    peer.send(bot, text).catch((error: unknown) => {
      clearTimeout(timer);
      peer.off('message', onMessage);
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/** Until the bot answers (it may still be logging in), then `extra` more to warm up. */
async function warmEcho(peer: BenchClient, bot: string, extra: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await echoOnce(peer, bot, `warm-${attempt}`, 2000);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
  for (let i = 0; i < extra; i += 1) await echoOnce(peer, bot, `w${i}`, 10_000);
}

/** `total` echoes with up to WINDOW in flight. */
function pipelinedEchoes(peer: BenchClient, bot: string, prefix: string, total: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    const sendNext = (): void => {
      const text = `${prefix}${sent}`;
      sent += 1;
      peer.send(bot, text).catch(() => undefined);
    };
    const onMessage = (stanza: XmlElement): void => {
      const body = stanza.getChildText('body');
      if (body === null || !body.startsWith(`echo: ${prefix}`)) return;
      received += 1;
      if (received === total) {
        clearTimeout(timer);
        peer.off('message', onMessage);
        resolve();
      } else if (sent < total) sendNext();
    };
    const timer = setTimeout(() => {
      peer.off('message', onMessage);
      reject(new Error(`${received} of ${total} pipelined echoes in ${timeoutMs} ms`));
    }, timeoutMs);
    peer.on('message', onMessage);
    for (let i = 0; i < Math.min(WINDOW, total); i += 1) sendNext();
  });
}

/** Resolves at the first moment a TCP connection to the port is accepted (polled every 2 ms). */
function portOpen(port: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        const at = wallMs();
        socket.destroy();
        resolve(at);
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} did not open`));
        else setTimeout(attempt, 2);
      });
    };
    attempt();
  });
}

/** A fresh PLAIN-login peer that writes to the bot every 20 ms until an echo comes. */
async function probe(port: number, bot: string, resource: string, timeoutMs: number): Promise<{ loginAt: number; echoAt: number }> {
  const peer = await within(BenchClient.connect({ ...account('peer', port), resource, plain: true }), 10_000, 'the probe logged in');
  const loginAt = wallMs();
  try {
    const echoed = new Promise<number>((resolve) => {
      peer.on('message', (stanza: XmlElement) => {
        if (stanza.getChildText('body')?.startsWith('echo: probe') && stanza.attrs.type !== 'error') resolve(wallMs());
      });
    });
    let k = 0;
    const ticker = setInterval(() => {
      peer.send(bot, `probe${k++}`).catch(() => undefined);
    }, 20);
    void peer.send(bot, `probe${k++}`).catch(() => undefined);
    try {
      return { loginAt, echoAt: await within(echoed, timeoutMs, `an echo from ${bot}`) };
    } finally {
      clearInterval(ticker);
    }
  } finally {
    await peer.stop();
  }
}

function listenCounting(port: number): Promise<{ server: Server; count: () => number }> {
  let accepted = 0;
  const server = createServer((socket: Socket) => {
    accepted += 1;
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, count: () => accepted }));
  });
}

async function inject(red: NodeRedProcess, id: string, payload: string): Promise<void> {
  const response = await red.fetch(`/inject/${id}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ __user_inject_props__: [{ p: 'payload', v: payload, vt: 'str' }] }),
  });
  if (!response.ok) throw new Error(`inject ${id}: ${response.status} ${await response.text()}`);
}

/** inject(), retried for up to 5 s: right after a deploy the inject node may not answer yet. */
async function injectAfterDeploy(red: NodeRedProcess, id: string, payload: string): Promise<void> {
  for (let tries = 0; ; tries += 1) {
    try {
      await inject(red, id, payload);
      return;
    } catch (error) {
      if (tries >= 50) throw error;
      await sleep(100);
    }
  }
}

function versions(): Record<string, string> {
  const read = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const nodeRed = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'node-red', 'package.json'), 'utf8')) as { version: string }).version;
  const xmppClient = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', '@xmpp', 'client', 'package.json'), 'utf8')) as { version: string }).version;
  return { node: process.version, nodeRed, prosody: read('dpkg-query', ['-W', '-f=${Version}', 'prosody']), xmppClient };
}

function cpuModel(): string {
  return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
}

async function main(): Promise<number> {
  const started = Date.now();
  const cleanup: Array<() => Promise<void>> = [];
  const extra: Record<string, unknown> = {};
  let prosody: Prosody | undefined;
  try {
    const barePort = await freePort();
    prosody = await Prosody.start({ extraPorts: [barePort] });
    const server = prosody;
    cleanup.push(() => server.stop());
    const port = prosody.port;
    const users = ['bare', 'flood', 'recv', 'peer', 'responder', 'ours-out', 'ours-in', 'ours-echo', 'ours-rpc', 'off-out', 'off-in', 'off-echo'];
    await Promise.all(users.map((user) => server.register(user, PASSWORD)));
    const reports = await ReportServer.start();
    cleanup.push(() => reports.close());

    log('starting Node-RED (ours) and Node-RED (official), the bare workers and the bench clients');
    const nodeRedOptions = { functionGlobalContext: { perf_hooks: 'perf_hooks' } };
    // Two ports chosen before either process listens, so that they cannot be the same.
    const oursPort = await freePort();
    let officialPort = await freePort();
    while (officialPort === oursPort || officialPort === barePort) officialPort = await freePort();
    const oursStart = NodeRedProcess.start({ ...nodeRedOptions, port: oursPort });
    const officialStart = (async (): Promise<NodeRedProcess | undefined> => {
      const source = await officialSource();
      if ('error' in source) {
        extra.official = { unavailable: source.error };
        return undefined;
      }
      extra.official = { origin: source.origin };
      return NodeRedProcess.start({ ...nodeRedOptions, port: officialPort, tarball: source.spec, readyTimeoutMs: 60_000 });
    })();
    const [oursResult, officialResult] = await Promise.allSettled([oursStart, officialStart]);
    if (oursResult.status === 'fulfilled') cleanup.push(() => oursResult.value.stop());
    if (officialResult.status === 'fulfilled' && officialResult.value) {
      const value = officialResult.value;
      cleanup.push(() => value.stop());
    }
    if (oursResult.status === 'rejected') throw oursResult.reason;
    const red = oursResult.value;
    let official = officialResult.status === 'fulfilled' ? officialResult.value : undefined;
    if (officialResult.status === 'rejected') extra.official = { ...(extra.official as object), error: String(officialResult.reason) };

    const bare = await BareProcess.start({ ...account('bare', barePort), resource: 'bare' });
    cleanup.push(() => bare.stop());
    const flood = await BareProcess.start({ ...account('flood', port), resource: 'flood' });
    cleanup.push(() => flood.stop());
    const recv = await BenchClient.connect({ ...account('recv', port), resource: 'recv', plain: true });
    cleanup.push(() => recv.stop());
    const peer = await BenchClient.connect({ ...account('peer', port), resource: 'peer', plain: true });
    cleanup.push(() => peer.stop());
    const responder = await BenchClient.connect({ ...account('responder', port), resource: 'rpc', plain: true });
    cleanup.push(() => responder.stop());
    // XEP-0009 echo: the first param back as the result.
    responder.client.iqCallee.set('jabber:iq:rpc', 'query', (ctx) => {
      const value = ctx.element.getChild('methodCall')?.getChild('params')?.getChild('param')?.getChild('value');
      const { xml } = responder;
      return xml('query', { xmlns: 'jabber:iq:rpc' }, xml('methodResponse', {}, xml('params', {}, xml('param', {}, value ?? xml('value', {}, xml('string', {}, ''))))));
    });

    if (official) {
      const nodes: FlowNode[] = [
        ...sendFlow('official', 'f', account('off-out', port), recv.jid.split('/')[0] as string).nodes,
        ...countFlow('official', 'f', account('off-in', port), SIZE.in, reports.url).nodes,
        ...echoFlow('official', 'f', account('off-echo', port)),
      ];
      await official.deploy(nodes);
    }
    const recvJid = `recv@${DOMAIN}`;
    const batchTimeout = (n: number): number => 30_000 + n * 3;

    // 1. Throughput out.
    log(`throughput out: ${SIZE.out} messages × ${SIZE.runs}`);
    const oursSend = sendFlow('ours', 'u', account('ours-out', port), recvJid);
    await red.deploy(oursSend.nodes);
    const outRun = async (result: ColumnResult, pid: number, run: string, trigger: () => Promise<unknown>): Promise<void> => {
      const arrived = expectBatch(recv, run, SIZE.out, batchTimeout(SIZE.out));
      const cpu0 = cpuMs(pid);
      const t0 = wallMs();
      await trigger();
      const got = await arrived;
      const cpuS = (cpuMs(pid) - cpu0) / 1000;
      const lost = SIZE.out - got.count;
      result.runs.push({ msgPerS: lost === 0 ? SIZE.out / ((got.lastAt - t0) / 1000) : NaN, cpuS, lost, outOfOrder: got.outOfOrder, durationMs: got.lastAt - t0 });
      if (lost > 0) throw new Error(`${lost} of ${SIZE.out} messages lost (run ${run})`);
    };
    const warmOut = async (red2: NodeRedProcess, trigger: string, prefix: string): Promise<void> => {
      const deadline = Date.now() + 60_000;
      for (let k = 0; ; k += 1) {
        const arrived = expectBatch(recv, `${prefix}warm${k}`, 10, 2000);
        await inject(red2, trigger, `${prefix}warm${k}|10`);
        if ((await arrived).count === 10) return;
        if (Date.now() > deadline) throw new Error('the sending flow never got online');
      }
    };
    await column('out', 'bare', async (result) => {
      for (let r = 1; r <= SIZE.runs; r += 1) await outRun(result, bare.pid, `b${r}`, () => bare.request({ cmd: 'send', to: recvJid, n: SIZE.out, run: `b${r}` }));
    });
    if (official) {
      const off = official;
      await column('out', 'official', async (result) => {
        await warmOut(off, 'f-send-go', 'f');
        for (let r = 1; r <= SIZE.runs; r += 1) await outRun(result, off.pid!, `f${r}`, () => inject(off, 'f-send-go', `f${r}|${SIZE.out}`));
      });
    }
    await column('out', 'ours', async (result) => {
      await warmOut(red, 'u-send-go', 'u');
      for (let r = 1; r <= SIZE.runs; r += 1) await outRun(result, red.pid!, `u${r}`, () => inject(red, 'u-send-go', `u${r}|${SIZE.out}`));
    });

    // 2. Throughput in.
    log(`throughput in: ${SIZE.in} messages × ${SIZE.runs}`);
    const oursCount = countFlow('ours', 'u', account('ours-in', port), SIZE.in, reports.url);
    await red.deploy(oursCount.nodes);
    const inFlow = async (result: ColumnResult, target: NodeRedProcess, to: string, peek: string, prefix: string): Promise<void> => {
      // Until the account is online: a small batch that reaches the count function.
      const deadline = Date.now() + 60_000;
      for (let k = 0; ; k += 1) {
        const run = `${prefix}warm${k}`;
        await flood.request({ cmd: 'send', to, n: 5, run });
        await sleep(300);
        const seen = reports.next<{ count: number }>(`peek-${run}`, 5000);
        await inject(target, peek, '');
        if ((await seen.catch(() => ({ count: 0 }))).count === 5) break;
        if (Date.now() > deadline) throw new Error('the counting flow never got online');
      }
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const run = `${prefix}${r}`;
        const report = reports.next<{ count: number; outOfOrder: number; at: number }>(`count-${run}`, batchTimeout(SIZE.in));
        const cpu0 = cpuMs(target.pid!);
        const t0 = wallMs();
        await flood.request({ cmd: 'send', to, n: SIZE.in, run });
        let got: { count: number; outOfOrder: number; at: number };
        try {
          got = await report;
        } catch {
          const seen = reports.next<{ count: number; outOfOrder: number }>(`peek-${run}`, 5000);
          await inject(target, peek, '');
          got = { ...(await seen), at: NaN };
        }
        const lost = SIZE.in - got.count;
        result.runs.push({ msgPerS: SIZE.in / ((got.at - t0) / 1000), cpuS: (cpuMs(target.pid!) - cpu0) / 1000, lost, outOfOrder: got.outOfOrder, durationMs: got.at - t0 });
        if (lost > 0) throw new Error(`${lost} of ${SIZE.in} messages lost (run ${run})`);
      }
    };
    await column('in', 'bare', async (result) => {
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const run = `b${r}`;
        await bare.request({ cmd: 'count', n: SIZE.in, run });
        const cpu0 = cpuMs(bare.pid);
        const t0 = wallMs();
        await flood.request({ cmd: 'send', to: `bare@${DOMAIN}`, n: SIZE.in, run });
        let got: { count: number; outOfOrder: number; lastAt: number };
        try {
          got = await bare.request<{ count: number; outOfOrder: number; lastAt: number }>({ cmd: 'awaitCount' }, batchTimeout(SIZE.in));
        } catch {
          got = { ...(await bare.request<{ count: number; outOfOrder: number }>({ cmd: 'peek' })), lastAt: NaN };
        }
        const lost = SIZE.in - got.count;
        result.runs.push({ msgPerS: SIZE.in / ((got.lastAt - t0) / 1000), cpuS: (cpuMs(bare.pid) - cpu0) / 1000, lost, outOfOrder: got.outOfOrder, durationMs: got.lastAt - t0 });
        if (lost > 0) throw new Error(`${lost} of ${SIZE.in} messages lost (run ${run})`);
      }
    });
    if (official) {
      const off = official;
      await column('in', 'official', (result) => inFlow(result, off, `off-in@${DOMAIN}`, 'f-count-peek', 'f'));
    }
    await column('in', 'ours', (result) => inFlow(result, red, `ours-in@${DOMAIN}`, 'u-count-peek', 'u'));
    // Node-RED alone: the same counting function, fed by a function node instead of xmpp-in.
    const floor = floorFlow('n', SIZE.in, reports.url);
    await red.deploy(floor.nodes);
    await column('floor', 'ours', async (result) => {
      for (let r = 0; r <= SIZE.runs; r += 1) {
        const run = `n${r}`;
        const report = reports.next<{ count: number; outOfOrder: number; at: number }>(`count-${run}`, batchTimeout(SIZE.in));
        report.catch(() => undefined); // awaited below; a failed inject must not leave it unhandled
        const cpu0 = cpuMs(red.pid!);
        await injectAfterDeploy(red, floor.trigger, `${run}|${SIZE.in}`);
        const got = await report;
        // The first run warms up.
        if (r > 0) result.runs.push({ cpuS: (cpuMs(red.pid!) - cpu0) / 1000, lost: SIZE.in - got.count, outOfOrder: got.outOfOrder });
      }
    });

    // 4. iq-rpc through a flow, against an IQ-RPC call from the bare worker.
    log(`iq-rpc: ${SIZE.rpc} sequential calls × ${SIZE.runs}`);
    const oursRpc = rpcLoopFlow(account('ours-rpc', port), responder.jid, reports.url);
    await red.deploy(oursRpc.nodes);
    await column('rpc', 'bare', async (result) => {
      await bare.request({ cmd: 'iq', to: responder.jid, n: 50 });
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const { samples } = await bare.request<{ samples: number[] }>({ cmd: 'iq', to: responder.jid, n: SIZE.rpc });
        const s = summarize(samples);
        result.runs.push({ median: s.median, p99: s.p99, max: s.max, n: s.n });
      }
    });
    await column('rpc', 'ours', async (result) => {
      const loop = async (run: string, n: number, timeoutMs: number): Promise<number[]> => {
        const done = reports.next<{ samples: number[] }>(`rpc-${run}`, timeoutMs);
        const failed = reports.next<{ error: string }>('rpc-error', timeoutMs).then(
          (report) => {
            throw new Error(`iq-rpc failed: ${report.error}`);
          },
          () => new Promise<never>(() => undefined),
        );
        await inject(red, oursRpc.trigger, `${run}|${n}`);
        return (await Promise.race([done, failed])).samples;
      };
      // Until the account is online (a call before then fails with not-connected), then a warm-up.
      const deadline = Date.now() + 60_000;
      for (let k = 0; ; k += 1) {
        try {
          await loop(`warm${k}`, 5, 5000);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(200);
        }
      }
      await loop('warm', 50, 30_000);
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const s = summarize(await loop(`r${r}`, SIZE.rpc, 60_000 + SIZE.rpc * 20));
        result.runs.push({ median: s.median, p99: s.p99, max: s.max, n: s.n });
      }
    });
    // Node-RED alone: the same loop with a function where iq-rpc was.
    const aloneRpc = rpcLoopFlow(account('ours-rpc', port), responder.jid, reports.url, true);
    await red.deploy(aloneRpc.nodes);
    await column('rpcFloor', 'ours', async (result) => {
      const loop = async (run: string, n: number): Promise<number[]> => {
        const done = reports.next<{ samples: number[] }>(`rpc-${run}`, 60_000);
        done.catch(() => undefined);
        await injectAfterDeploy(red, aloneRpc.trigger, `${run}|${n}`);
        return (await done).samples;
      };
      await loop('awarm', 50);
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const s = summarize(await loop(`a${r}`, SIZE.rpc));
        result.runs.push({ median: s.median, p99: s.p99, max: s.max, n: s.n });
      }
    });

    // 3. Echo round trips.
    log(`echo: ${SIZE.echo} sequential round trips × ${SIZE.runs}`);
    await red.deploy(echoFlow('ours', 'u', account('ours-echo', port)));
    await bare.request({ cmd: 'echo' });
    const echoRuns = async (result: ColumnResult, pid: number, bot: string): Promise<void> => {
      await warmEcho(peer, bot, 100);
      for (let r = 1; r <= SIZE.runs; r += 1) {
        const cpu0 = cpuMs(pid);
        const samples: number[] = [];
        for (let i = 0; i < SIZE.echo; i += 1) {
          const t0 = wallMs();
          await echoOnce(peer, bot, `r${r}m${i}`, 10_000);
          samples.push(wallMs() - t0);
        }
        const s = summarize(samples);
        result.runs.push({ median: s.median, p99: s.p99, max: s.max, over30: samples.filter((v) => v > 30).length, n: s.n, cpuUsPerRt: ((cpuMs(pid) - cpu0) * 1000) / SIZE.echo });
      }
    };
    await column('echo', 'bare', (result) => echoRuns(result, bare.pid, `bare@${DOMAIN}`));
    if (official) {
      const off = official;
      await column('echo', 'official', (result) => echoRuns(result, off.pid!, `off-echo@${DOMAIN}`));
      // Its job is done; it must not see the outages (it crashes on a send during one).
      await off.stop();
      official = undefined;
    }
    await column('echo', 'ours', (result) => echoRuns(result, red.pid!, `ours-echo@${DOMAIN}`));

    // 6. Memory of our Node-RED across many echoes (pipelined).
    log(`memory: ${SIZE.memFirst} then ${SIZE.memLast} pipelined echoes`);
    await column('memory', 'ours', async (result) => {
      await pipelinedEchoes(peer, `ours-echo@${DOMAIN}`, 'a', SIZE.memFirst, 120_000);
      const rssFirstMiB = rssMiB(red.pid!);
      await pipelinedEchoes(peer, `ours-echo@${DOMAIN}`, 'b', SIZE.memLast - SIZE.memFirst, 600_000);
      const rssLastMiB = rssMiB(red.pid!);
      const maxListenersWarnings = (red.log().match(/MaxListenersExceededWarning/g) ?? []).length;
      result.runs.push({ rssFirstMiB, rssLastMiB, growthMiB: rssLastMiB - rssFirstMiB, maxListenersWarnings, echoes: SIZE.memLast });
    });

    // 5. Recovery after an outage: port open → first echo, for each bot alone.
    log(`recovery: ${SIZE.outageMs / 1000} s outages × ${SIZE.runs} per bot`);
    // Only the bots under test may connect during the outages: the other clients (the flood
    // worker reconnects every second by itself) would be counted as the bot's attempts.
    for (const other of [peer, recv, responder, flood]) await other.stop();
    const recoveryRuns = async (result: ColumnResult, bot: string, botPort: number): Promise<void> => {
      await probe(port, bot, 'pre', 60_000);
      for (let r = 1; r <= SIZE.runs; r += 1) {
        await server.kill('SIGTERM');
        await sleep(SIZE.outageMs);
        const opened = portOpen(botPort, 15_000);
        await server.launch();
        const openAt = await opened;
        const { loginAt, echoAt } = await probe(port, bot, `r${r}`, 60_000);
        result.runs.push({ ms: echoAt - openAt, probeLoginMs: loginAt - openAt });
        log(`  ${bot}: ${(echoAt - openAt).toFixed(0)} ms`);
      }
    };
    await red.deploy([]);
    await column('recovery', 'bare', (result) => recoveryRuns(result, `bare@${DOMAIN}`, barePort));
    await bare.stop();
    await red.deploy(echoFlow('ours', 'u', account('ours-echo', port)));
    await column('recovery', 'ours', (result) => recoveryRuns(result, `ours-echo@${DOMAIN}`, port));

    // 5b. A long outage: a plain listener on each bot's port counts connection attempts.
    log(`long outage: ${SIZE.longOutageMs / 1000} s`);
    const bare2 = await BareProcess.start({ ...account('bare', barePort), resource: 'bare' });
    cleanup.push(() => bare2.stop());
    await bare2.request({ cmd: 'echo' });
    await probe(port, `bare@${DOMAIN}`, 'pre-long', 60_000);
    await probe(port, `ours-echo@${DOMAIN}`, 'pre-long', 60_000);
    await server.kill('SIGTERM');
    const listeners = { ours: await listenCounting(port), bare: await listenCounting(barePort) };
    await sleep(SIZE.longOutageMs);
    for (const l of Object.values(listeners)) await new Promise<void>((resolve) => l.server.close(() => resolve()));
    const opened = portOpen(port, 15_000);
    await server.launch();
    const openAt = await opened;
    const minutes = SIZE.longOutageMs / 60_000;
    for (const col of ['bare', 'ours'] as const) {
      await column('outage', col, async (result) => {
        const attempts = listeners[col].count();
        const figures: Record<string, number> = { attempts, minutes, perMinute: attempts / minutes };
        result.runs.push(figures);
        if (!QUICK) {
          // With backoff up to 60 s the first try after a long outage may be a minute away.
          const { echoAt } = await probe(port, col === 'bare' ? `bare@${DOMAIN}` : `ours-echo@${DOMAIN}`, `back-${col}`, 75_000);
          figures.backMs = echoAt - openAt;
        }
      });
    }
  } catch (error) {
    log(`the bench could not go on: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    extra.fatal = String(error);
  } finally {
    for (const stop of cleanup.reverse()) {
      try {
        await stop();
      } catch {
        // stopping what is already gone
      }
    }
  }

  const counts = { out: SIZE.out, in: SIZE.in, echo: SIZE.echo, rpc: SIZE.rpc };
  const all = rows(measures, counts);
  const printed = table(all);
  console.log(`\nxmpp-flows bench (${QUICK ? 'quick' : 'full'}, ${SIZE.runs} run${SIZE.runs > 1 ? 's' : ''} each; median [min–max]), ${cpuModel()}\n`);
  console.log(printed);
  const official = extra.official as { unavailable?: string; origin?: string; error?: string } | undefined;
  if (official?.unavailable) console.log(`\nofficial: not measured (${official.unavailable})`);
  else if (official?.origin) console.log(`\nofficial: node-red-node-xmpp 0.7.0 from ${official.origin}`);
  for (const [name, cols] of Object.entries(measures)) {
    for (const [col, result] of Object.entries(cols)) if (result?.error) console.log(`${name}/${col} failed: ${result.error}`);
  }

  // Failures that count: a measure of bare or ours that did not complete, or lost messages.
  const required: Array<[MeasureName, Column]> = [
    ['out', 'bare'],
    ['out', 'ours'],
    ['in', 'bare'],
    ['in', 'ours'],
    ['echo', 'bare'],
    ['echo', 'ours'],
    ['rpc', 'bare'],
    ['rpc', 'ours'],
    ['recovery', 'bare'],
    ['recovery', 'ours'],
    ['outage', 'bare'],
    ['outage', 'ours'],
    ['memory', 'ours'],
  ];
  const incomplete = required.filter(([name, col]) => {
    const result = measures[name][col];
    return !result || result.error !== undefined || result.runs.length === 0 || result.runs.some((run) => (run.lost ?? 0) > 0);
  });
  const completed = incomplete.length === 0 && extra.fatal === undefined;
  const output = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    durationS: (Date.now() - started) / 1000,
    versions: versions(),
    cpu: cpuModel(),
    cores: readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 0,
    sizes: SIZE,
    measures,
    table: all,
    completed,
    incomplete: incomplete.map(([name, col]) => `${name}/${col}`),
    ...extra,
  };
  // BENCH_RESULTS: another file for the JSON (the test writes its own, not latest.json).
  const file = process.env.BENCH_RESULTS ?? join(REPO_ROOT, 'bench', 'results', 'latest.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
  console.log(`\n${completed ? 'every measure completed' : `incomplete: ${output.incomplete.join(', ') || String(extra.fatal)}`}; ${((Date.now() - started) / 1000).toFixed(0)} s; raw figures in ${file}`);
  return completed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
