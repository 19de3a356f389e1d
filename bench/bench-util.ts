// What every measure of bench/run.ts needs: per-process CPU and memory from /proc, summaries of
// samples, a clock shared by processes, and a small HTTP server that flows report to.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';

/** User plus system CPU time of a process so far, in ms (Linux /proc; USER_HZ is 100). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ": utime and stime are fields 14 and 15 of the whole line.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** Milliseconds on a clock every process of this machine shares (sub-millisecond resolution). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Summary {
  median: number;
  p99: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p99: at(0.99), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

export function median(values: number[]): number {
  return summarize(values).median;
}

/** Rejects after ms with a message saying what did not happen. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An HTTP server on 127.0.0.1 that flows POST JSON reports to (`/report/<key>`), through an
 * http request node; the bench awaits a report by key.
 */
export class ReportServer {
  private readonly waiting = new Map<string, (body: unknown) => void>();
  private readonly early = new Map<string, unknown>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(): Promise<ReportServer> {
    return new Promise((resolve, reject) => {
      let reports: ReportServer | undefined;
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const key = decodeURIComponent((request.url ?? '').replace(/^\/report\//, ''));
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
          } catch {
            body = Buffer.concat(chunks).toString('utf8');
          }
          response.end('ok');
          reports?.deliver(key, body);
        });
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        reports = new ReportServer(server, typeof address === 'object' && address ? address.port : 0);
        resolve(reports);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/report/`;
  }

  private deliver(key: string, body: unknown): void {
    const waiter = this.waiting.get(key);
    if (waiter) {
      this.waiting.delete(key);
      waiter(body);
    } else {
      this.early.set(key, body);
    }
  }

  /** The report with this key (one that came already, or the next one). */
  next<T>(key: string, timeoutMs: number): Promise<T> {
    if (this.early.has(key)) {
      const body = this.early.get(key);
      this.early.delete(key);
      return Promise.resolve(body as T);
    }
    const report = new Promise<T>((resolve) => this.waiting.set(key, (body) => resolve(body as T)));
    return within(report, timeoutMs, `the report "${key}"`).finally(() => this.waiting.delete(key));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
