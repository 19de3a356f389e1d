// The figures of bench/run.ts as a table: one row per measure, the median of the runs with their
// range, the ratio of ours to bare, and each goal with "met" or "not met" computed from the figures.
import { median } from './bench-util';

export type Column = 'bare' | 'official' | 'ours';
export const COLUMNS: Column[] = ['bare', 'official', 'ours'];

export interface ColumnResult {
  /** One record of figures per run. */
  runs: Record<string, number>[];
  /** Why the column did not complete. */
  error?: string;
}

export type MeasureName = 'out' | 'in' | 'floor' | 'rpcFloor' | 'echo' | 'rpc' | 'recovery' | 'outage' | 'memory';

export type Measures = Record<MeasureName, Partial<Record<Column, ColumnResult>>>;

export interface Row {
  measure: string;
  cells: Record<Column, string>;
  ratio: string;
  goal: string;
  verdict: string;
}

function values(measures: Measures, name: MeasureName, column: Column, field: string): number[] {
  return (measures[name][column]?.runs ?? []).map((run) => run[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function mid(measures: Measures, name: MeasureName, column: Column, field: string): number | undefined {
  const v = values(measures, name, column, field);
  return v.length > 0 ? median(v) : undefined;
}

function cell(measures: Measures, name: MeasureName, column: Column, field: string, digits: number): string {
  const result = measures[name][column];
  if (!result) return '-';
  const v = values(measures, name, column, field);
  if (v.length === 0) return result.error ? 'failed' : '-';
  const m = median(v).toFixed(digits);
  if (v.length === 1) return m;
  return `${m} [${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}]`;
}

function verdict(ok: boolean | undefined): string {
  if (ok === undefined) return 'n/a';
  return ok ? 'met' : 'not met';
}

function ratio(ours: number | undefined, bare: number | undefined): string {
  return ours !== undefined && bare !== undefined && bare !== 0 ? `${(ours / bare).toFixed(2)}×` : '-';
}

function sum(measures: Measures, name: MeasureName, column: Column, field: string): number | undefined {
  const v = values(measures, name, column, field);
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) : undefined;
}

export function rows(measures: Measures, counts: { out: number; in: number; echo: number; rpc: number }): Row[] {
  const out: Row[] = [];
  const row = (measure: string, name: MeasureName, field: string, digits: number, goal: string, ok: boolean | undefined): void => {
    const cells = { bare: cell(measures, name, 'bare', field, digits), official: cell(measures, name, 'official', field, digits), ours: cell(measures, name, 'ours', field, digits) };
    out.push({ measure, cells, ratio: ratio(mid(measures, name, 'ours', field), mid(measures, name, 'bare', field)), goal, verdict: verdict(ok) });
  };
  const at = (name: MeasureName, column: Column, field: string): number | undefined => mid(measures, name, column, field);
  const defined = (...v: (number | undefined)[]): boolean => v.every((x) => x !== undefined);

  for (const [name, label] of [
    ['out', `throughput out (${counts.out})`],
    ['in', `throughput in (${counts.in})`],
  ] as const) {
    const ours = at(name, 'ours', 'msgPerS');
    const bare = at(name, 'bare', 'msgPerS');
    row(`${label}, msg/s`, name, 'msgPerS', 0, '≥ 0.9× bare', defined(ours, bare) ? ours! >= 0.9 * bare! : undefined);
    const cpuOurs = at(name, 'ours', 'cpuS');
    const cpuBare = at(name, 'bare', 'cpuS');
    const cpuOfficial = at(name, 'official', 'cpuS');
    const cpuOk = defined(cpuOurs, cpuBare) ? cpuOurs! <= 1.5 * cpuBare! && (cpuOfficial === undefined || cpuOurs! <= cpuOfficial) : undefined;
    row(`${label}, CPU s of the ${name === 'out' ? 'sender' : 'receiver'}`, name, 'cpuS', 2, cpuOfficial === undefined ? '≤ 1.5× bare (official n/a)' : '≤ official and ≤ 1.5× bare', cpuOk);
    const lost = sum(measures, name, 'ours', 'lost');
    row(`${label}, lost (sum of runs)`, name, 'lost', 0, '0', lost === undefined ? undefined : lost === 0 && !measures[name].ours?.error);
    const disorder = sum(measures, name, 'ours', 'outOfOrder');
    row(`${label}, out of order`, name, 'outOfOrder', 0, '0 (order kept)', disorder === undefined ? undefined : disorder === 0);
  }
  // What Node-RED itself costs: the counting function fed by a function node, no XMPP; and what is left of ours.
  const floor = at('floor', 'ours', 'cpuS');
  row(`  Node-RED alone: the same msgs into the same function, CPU s`, 'floor', 'cpuS', 2, '-', undefined);
  const inOurs = at('in', 'ours', 'cpuS');
  const inBare = at('in', 'bare', 'cpuS');
  if (floor !== undefined && inOurs !== undefined) {
    const rest = inOurs - floor;
    out.push({ measure: '  ours minus Node-RED alone, CPU s', cells: { bare: '-', official: '-', ours: rest.toFixed(2) }, ratio: ratio(rest, inBare), goal: '-', verdict: 'n/a' });
  }

  row(`echo round trip (${counts.echo}), median ms`, 'echo', 'median', 2, '-', undefined);
  const p99Ours = at('echo', 'ours', 'p99');
  const p99Bare = at('echo', 'bare', 'p99');
  row('echo round trip, p99 ms', 'echo', 'p99', 2, '≤ 2× bare', defined(p99Ours, p99Bare) ? p99Ours! <= 2 * p99Bare! : undefined);
  const over = values(measures, 'echo', 'ours', 'over30');
  row('echo round trip, over 30 ms', 'echo', 'over30', 0, `0 of ${counts.echo}`, over.length > 0 ? over.every((v) => v === 0) : undefined);
  const echoCpuOurs = at('echo', 'ours', 'cpuUsPerRt');
  const echoCpuBare = at('echo', 'bare', 'cpuUsPerRt');
  const echoCpuOfficial = at('echo', 'official', 'cpuUsPerRt');
  row(
    'echo, bot CPU µs per round trip',
    'echo',
    'cpuUsPerRt',
    0,
    echoCpuOfficial === undefined ? '≤ 1.5× bare (official n/a)' : '≤ official and ≤ 1.5× bare',
    defined(echoCpuOurs, echoCpuBare) ? echoCpuOurs! <= 1.5 * echoCpuBare! && (echoCpuOfficial === undefined || echoCpuOurs! <= echoCpuOfficial) : undefined,
  );

  const rpcOurs = at('rpc', 'ours', 'median');
  const rpcBare = at('rpc', 'bare', 'median');
  row(`iq-rpc call (${counts.rpc}), median ms`, 'rpc', 'median', 2, '≤ 1.5× bare IQ', defined(rpcOurs, rpcBare) ? rpcOurs! <= 1.5 * rpcBare! : undefined);
  row('iq-rpc call, p99 ms', 'rpc', 'p99', 2, '-', undefined);
  row('  Node-RED alone: the same loop, a function for iq-rpc, median ms', 'rpcFloor', 'median', 2, '-', undefined);
  const rpcFloor = at('rpcFloor', 'ours', 'median');
  if (rpcFloor !== undefined && rpcOurs !== undefined) {
    const rest = rpcOurs - rpcFloor;
    out.push({ measure: '  ours minus Node-RED alone, median ms', cells: { bare: '-', official: '-', ours: rest.toFixed(2) }, ratio: ratio(rest, rpcBare), goal: '-', verdict: 'n/a' });
  }

  const recovery = at('recovery', 'ours', 'ms');
  row('recovery: port open → first echo, ms', 'recovery', 'ms', 0, 'median ≤ 1000', recovery === undefined ? undefined : recovery <= 1000);
  row('  (probe login within that, ms)', 'recovery', 'probeLoginMs', 0, '-', undefined);
  const attempts = at('outage', 'ours', 'perMinute');
  row('long outage: connection attempts/min', 'outage', 'perMinute', 1, '≤ 12/min (modest)', attempts === undefined ? undefined : attempts <= 12);
  row('  back after the long outage, ms', 'outage', 'backMs', 0, '-', undefined);

  const growth = at('memory', 'ours', 'growthMiB');
  row('RSS, MiB after the first echoes', 'memory', 'rssFirstMiB', 1, '-', undefined);
  row('RSS, MiB after all echoes', 'memory', 'rssLastMiB', 1, '-', undefined);
  row('RSS growth, MiB', 'memory', 'growthMiB', 1, '≤ 20 MiB', growth === undefined ? undefined : growth <= 20);
  const warnings = at('memory', 'ours', 'maxListenersWarnings');
  row('MaxListenersExceededWarning in the log', 'memory', 'maxListenersWarnings', 0, '0', warnings === undefined ? undefined : warnings === 0);
  return out;
}

export function table(all: Row[]): string {
  const header = ['measure', 'bare', 'official', 'ours', 'ours/bare', 'goal', ''];
  const lines = all.map((r) => [r.measure, r.cells.bare, r.cells.official, r.cells.ours, r.ratio, r.goal, r.verdict]);
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((line) => (line[i] ?? '').length)));
  const format = (line: string[]): string => line.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
