// `npm run bench -- --quick` as a child process: it must complete every measure without losing a
// message. No timing is asserted: the figures depend on the machine; the bench prints them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../rig/node-red-process';

interface BenchResults {
  mode: string;
  completed: boolean;
  incomplete: string[];
  measures: Record<string, Record<string, { runs: Array<Record<string, number>>; error?: string } | undefined>>;
}

const REQUIRED: Array<[string, string[]]> = [
  ['out', ['bare', 'ours']],
  ['in', ['bare', 'ours']],
  ['echo', ['bare', 'ours']],
  ['rpc', ['bare', 'ours']],
  ['recovery', ['bare', 'ours']],
  ['outage', ['bare', 'ours']],
  ['memory', ['ours']],
];

describe('the quick bench (npm run bench -- --quick)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'xmpp-flows-bench-'));
  const file = join(dir, 'quick.json');
  let exitCode: number | null = null;
  let output = '';

  before(async function () {
    this.timeout(300_000);
    exitCode = await new Promise<number | null>((resolve) => {
      const child = execFile(process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'run.js'), '--quick'], {
        cwd: REPO_ROOT,
        env: { ...process.env, BENCH_RESULTS: file },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 280_000,
      });
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('close', (code) => resolve(code));
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and writes its figures', () => {
    assert.equal(exitCode, 0, `the bench exited ${exitCode}:\n${output.slice(-4000)}`);
    const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    assert.equal(results.mode, 'quick');
    assert.equal(results.completed, true, `incomplete: ${results.incomplete.join(', ')}`);
  });

  it('completed every measure of bare and ours, losing no message', () => {
    const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    for (const [measure, columns] of REQUIRED) {
      for (const column of columns) {
        const result = results.measures[measure]?.[column];
        assert.ok(result, `${measure}/${column} ran`);
        assert.equal(result.error, undefined, `${measure}/${column} completed`);
        assert.ok(result.runs.length > 0, `${measure}/${column} has figures`);
        for (const run of result.runs) assert.equal(run.lost ?? 0, 0, `${measure}/${column} lost no message`);
      }
    }
  });
});
