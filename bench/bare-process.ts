// Starts bench/bare-worker.js in its own Node process and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { within } from './bench-util';
import type { WorkerAccount, WorkerCommand } from './bare-worker';

type Request = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

// Every worker this process started; none outlives it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class BareProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Record<string, unknown>) => {
      const id = Number(message.id);
      const waiter = this.pending.get(id);
      if (!waiter) return;
      this.pending.delete(id);
      if (typeof message.error === 'string') waiter.reject(new Error(`bare worker: ${message.error}`));
      else waiter.resolve(message);
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const waiter of this.pending.values()) waiter.reject(new Error(`bare worker exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Forks a worker logged in as the account (stock SCRAM, reconnect on) and waits until it is online. */
  static async start(account: WorkerAccount): Promise<BareProcess> {
    const child = fork(join(__dirname, 'bare-worker.js'), [JSON.stringify(account)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(child);
    const worker = new BareProcess(child);
    const online = new Promise<Record<string, unknown>>((resolve, reject) => worker.pending.set(0, { resolve, reject }));
    try {
      await within(online, 30_000, 'the bare worker online');
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return worker;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the bare worker has no pid');
    return this.child.pid;
  }

  /** Sends a command; resolves with the worker's answer (for 'count', once the count is reached). */
  request<T extends Record<string, unknown>>(command: Request, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.child.send({ ...command, id });
    return within(answer, timeoutMs, `the bare worker's answer to ${command.cmd}`).finally(() => this.pending.delete(id)) as Promise<T>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      this.child.send({ id: this.nextId++, cmd: 'stop' });
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
