// One account floods a Node-RED flow (xmpp-in → a 2 ms step) while an unrelated HTTP endpoint of
// the same Node-RED is polled: how long that endpoint takes to answer shows whether the flood
// starves every flow. Shared by test/package/flood.test.ts and bench/flood.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { pointAt, type EchoBotAccount, type FlowNode, type NodeRedProcess } from './node-red-process';

export interface LimitFields {
  rateLimit?: boolean;
  rate?: number;
  burst?: number;
}

/** What the flow reports on GET /flood/state. */
export interface FloodState {
  /** Messages that reached the 2 ms step. */
  received: number;
  /** xmpp-in's last status, as a Status node saw it. */
  status: { fill?: string; shape?: string; text?: string } | null;
}

/**
 * xmpp-in (with `limit` as its limit fields; none: a node from before the limit) → a function that
 * busy-waits 2 ms and counts; a Status node keeps xmpp-in's status; GET /flood/ping answers "pong"
 * (the unrelated endpoint) and GET /flood/state the count and the status.
 */
export function floodFlow(account: EchoBotAccount, limit: LimitFields, run: string): FlowNode[] {
  // A tab of its own for each run: a flow's context (the count) goes with its tab.
  const TAB = `flood-tab-${run}`;
  const fn = (id: string, func: string, wires: string[][], y: number): FlowNode => ({
    id, type: 'function', z: TAB, name: id, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 400, y, wires,
  });
  return pointAt(
    [
      { id: TAB, type: 'tab', label: 'flood', disabled: false, info: '' },
      {
        id: 'flood-account', type: 'xmpp-config', name: 'bot account', jid: '', host: '', port: '', security: 'none', trust: 'system',
        subscriptions: 'flow', show: '', status: '', priority: '0',
      },
      { id: 'flood-in', type: 'xmpp-in', z: TAB, name: `flood ${run}`, server: 'flood-account', from: '', msgType: 'any', bodiless: false, presence: false, ...limit, x: 150, y: 100, wires: [['flood-step']] },
      fn('flood-step', "const end = Date.now() + 2;\nwhile (Date.now() < end) { /* a 2 ms step */ }\nflow.set('received', (flow.get('received') || 0) + 1);\nreturn null;", [[]], 100),
      { id: 'flood-status', type: 'status', z: TAB, name: '', scope: ['flood-in'], x: 150, y: 160, wires: [['flood-keep-status']] },
      fn('flood-keep-status', "flow.set('status', msg.status);\nreturn null;", [[]], 160),
      { id: 'flood-ping', type: 'http in', z: TAB, name: '', url: '/flood/ping', method: 'get', upload: false, swaggerDoc: '', x: 150, y: 220, wires: [['flood-pong']] },
      fn('flood-pong', "msg.payload = 'pong';\nreturn msg;", [['flood-answer']], 220),
      { id: 'flood-state', type: 'http in', z: TAB, name: '', url: '/flood/state', method: 'get', upload: false, swaggerDoc: '', x: 150, y: 280, wires: [['flood-read-state']] },
      fn('flood-read-state', "msg.payload = { received: flow.get('received') || 0, status: flow.get('status') || null };\nreturn msg;", [['flood-answer']], 280),
      { id: 'flood-answer', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, x: 650, y: 250, wires: [] },
    ],
    account,
  );
}

/** The flow's state; nothing received and no status while the endpoint is not deployed yet. */
export async function floodState(red: NodeRedProcess): Promise<FloodState> {
  const response = await red.fetch('/flood/state', { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) {
    await response.text();
    return { received: 0, status: null };
  }
  return (await response.json()) as FloodState;
}

/** Messages the status says were dropped ("N dropped from …"); 0 when it says nothing of the kind. */
export function droppedIn(state: FloodState): number {
  const match = /^(\d+) dropped from /.exec(state.status?.text ?? '');
  return match ? Number(match[1]) : 0;
}

export interface FloodRun {
  /** The time the flooder took to write all its messages. */
  sentMs: number;
  /** From the first write until xmpp-in had seen every message (counted or dropped). */
  handledMs: number;
  /** The unrelated endpoint's answer times during that time. */
  latencies: number[];
  /** The flow's state once every message was handled. */
  state: FloodState;
}

/**
 * Deploys the flood flow with `limit`, waits for its connection, then floods it with `count`
 * messages while polling the unrelated endpoint, until every message reached the step or the
 * status counts it as dropped (or `capMs` passed: then `state` says how far it got).
 */
export async function floodRun(red: NodeRedProcess, account: EchoBotAccount, flooder: Flooder, count: number, limit: LimitFields, run: string, capMs: number): Promise<FloodRun> {
  await red.deploy(floodFlow(account, limit, run), 'full');
  const deadline = Date.now() + capMs;
  let state = await floodState(red);
  while (state.status?.fill !== 'green') {
    if (Date.now() > deadline) throw new Error(`the flood flow did not come online: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await floodState(red);
  }
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const latencies = pollLatency(red, finished);
  const startedAt = Date.now();
  const sentMs = await flooder.flood(account.jid, count);
  while (state.received + droppedIn(state) < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    state = await floodState(red);
  }
  const handledMs = Date.now() - startedAt;
  finish();
  return { sentMs, handledMs, latencies: await latencies, state };
}

/** One GET on a connection of its own (no keep-alive to race with the server's idle timeout); resolves with the status. */
function getOnce(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet({ host: '127.0.0.1', port, path, agent: false, timeout: 300_000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${path}: no answer`)));
    request.once('error', reject);
  });
}

/** Polls GET /flood/ping one request after another until `stop` resolves; the answer times in ms. */
export async function pollLatency(red: NodeRedProcess, stop: Promise<unknown>): Promise<number[]> {
  let stopped = false;
  void stop.finally(() => {
    stopped = true;
  });
  const samples: number[] = [];
  while (!stopped) {
    const startedAt = performance.now();
    const status = await getOnce(red.port, '/flood/ping');
    if (status !== 200) throw new Error(`GET /flood/ping: ${status}`);
    samples.push(performance.now() - startedAt);
    // A short pause: the poller measures the endpoint, it should not be a load of its own.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

/** "p50 … p90 … p99 … max … (n)" of latency samples in ms. */
export function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const ms = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`);
  return `p50 ${ms(at(0.5))}, p90 ${ms(at(0.9))}, p99 ${ms(at(0.99))}, max ${ms(sorted.at(-1) ?? 0)} (${samples.length} requests)`;
}

interface FlooderEvent {
  event: 'online' | 'sent' | 'error';
  ms?: number;
  message?: string;
}

/** The flooding account, in a child process (flood-sender.ts). */
export class Flooder {
  private readonly child: ChildProcess;
  private readonly events: FlooderEvent[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(port: number, jid: string, password: string) {
    this.child = fork(join(__dirname, 'flood-sender.js'), [String(port), jid, password], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (event: FlooderEvent) => {
      this.events.push(event);
      for (const wake of [...this.waiters]) wake();
    });
    this.child.once('exit', () => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  static async connect(port: number, jid: string, password: string): Promise<Flooder> {
    const flooder = new Flooder(port, jid, password);
    await flooder.next('online');
    return flooder;
  }

  /** Sends `count` messages to `to` as fast as it can; resolves with the time the writes took (ms). */
  async flood(to: string, count: number): Promise<number> {
    const sent = this.next('sent');
    this.child.send({ command: 'flood', to, count });
    return (await sent).ms ?? 0;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ command: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private next(event: FlooderEvent['event']): Promise<FlooderEvent> {
    const seen = this.events.length;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(seen).find((e) => e.event === event || e.event === 'error');
        if (found) {
          this.waiters.delete(check);
          if (found.event === 'error') reject(new Error(`flooder: ${found.message}`));
          else resolve(found);
        } else if (this.child.exitCode !== null) {
          this.waiters.delete(check);
          reject(new Error(`flooder exited (${this.child.exitCode}) before '${event}'`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }
}
