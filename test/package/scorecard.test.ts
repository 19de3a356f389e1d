// The Flow Library's scorecard (node-red-dev validate 0.1.6) checked offline: its rules read
// package.json, the editor .html beside each node's .js and the examples; the ones that ask
// the network (the catalogue for similar names, npm for the newest Node-RED) use what this repo
// has: Node-RED 5's engines as npm published them for 5.0.x, unless a Node-RED 5 is installed here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../rig/node-red-process';

interface Manifest {
  name: string;
  license?: string;
  repository?: { url?: string } | string;
  bugs?: { url?: string } | string;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red': { version?: string; nodes: Record<string, string> };
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** The newest Node-RED the scorecard compares against: 5.0.x needs Node >= 22.9 (npm view node-red@5 engines). */
const NEWEST_NODE_RED = { version: '5.0.7', node: '>=22.9' };

function newestNodeRed(): { version: string; node: string } {
  // A Node-RED 5 installed next to this repo's own (4.1 as a devDependency) is read instead.
  const installed = join(REPO_ROOT, 'node_modules', 'node-red', 'package.json');
  if (existsSync(installed)) {
    const red = JSON.parse(readFileSync(installed, 'utf8')) as { version: string; engines?: { node?: string } };
    if (Number(red.version.split('.')[0]) >= 5 && red.engines?.node) return { version: red.version, node: red.engines.node };
  }
  return NEWEST_NODE_RED;
}

// ---- the little of semver these rules need: ranges of the forms package.json uses here

type Version = [number, number, number];

function parse(text: string): Version {
  const parts = text.trim().replace(/^v/, '').split('.').map((p) => Number(p));
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** Whether `version` satisfies `range`: `||` of space-separated `>=x`, `>x`, `<x`, `<=x`, `^x`, `~x`, `x`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|\^|~|=)?(.+)$/.exec(comparator);
        assert.ok(match, `a comparator this test reads: ${comparator}`);
        const [, op = '=', rest = ''] = match;
        const bound = parse(rest);
        const c = compare(v, bound);
        if (op === '>=') return c >= 0;
        if (op === '>') return c > 0;
        if (op === '<=') return c <= 0;
        if (op === '<') return c < 0;
        if (op === '^') return c >= 0 && (bound[0] > 0 ? v[0] === bound[0] : v[1] === bound[1]);
        if (op === '~') return c >= 0 && v[0] === bound[0] && v[1] === bound[1];
        return c === 0;
      }),
  );
}

/** The lowest version a `>=x` range starts at (what semver.minVersion gives for the ranges Node-RED uses). */
function minVersion(range: string): string {
  const match = /^>=?\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  assert.ok(match, `a range of the form >=x: ${range}`);
  return parse(match[1] as string).join('.');
}

/** The RED.nodes.registerType('type', { … }) calls of an editor .html: type, category and icon. */
function registeredTypes(html: string): Array<{ type: string; category?: string; icon?: string }> {
  // Each call's definition runs to the next call (Node-RED's own parser walks the script's syntax tree).
  const calls = html.split(/RED\.nodes\.registerType\(/).slice(1);
  return calls.map((call) => {
    const m = /^\s*'([^']+)'\s*,\s*\{/.exec(call);
    assert.ok(m, `registerType('type', {…}) with a literal type: ${call.slice(0, 40)}`);
    const body = call;
    const category = /\bcategory:\s*'([^']+)'/.exec(body)?.[1];
    const icon = /\bicon:\s*'([^']+)'/.exec(body)?.[1];
    return { type: m[1] as string, ...(category ? { category } : {}), ...(icon ? { icon } : {}) };
  });
}

describe('the Flow Library scorecard, offline', function () {
  const nodeFiles = Object.entries(manifest['node-red'].nodes);
  const types = nodeFiles.flatMap(([, file]) => registeredTypes(readFileSync(join(REPO_ROOT, file.replace(/\.js$/, '.html')), 'utf8')));

  it('reads the node types from the editor files (the reader reads)', function () {
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'nodes')), 'run `npm run build` first');
    assert.deepEqual(types.map((t) => t.type).sort(), Object.keys(manifest['node-red'].nodes).sort());
    assert.ok(satisfies('22.9.0', '>=22.9') && !satisfies('22.8.9', '>=22.9') && satisfies('20.19.3', '^20.19.0') && !satisfies('21.0.0', '^20.19.0'));
  });

  it('P01: has a license, and the MIT license text ships', function () {
    assert.equal(manifest.license, 'MIT');
    const license = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License/);
    assert.match(license, /Permission is hereby granted, free of charge/);
  });

  it('P03: names its repository and where to report bugs', function () {
    const url = (field: Manifest['repository']): string => (typeof field === 'string' ? field : (field?.url ?? ''));
    assert.match(url(manifest.repository), /github\.com\/[^/]+\/node-red-contrib-xmpp-flows/);
    assert.match(url(manifest.bugs), /^https:\/\/github\.com\/.+\/issues$/);
  });

  it('P04: an unscoped name must start node-red-contrib-', function () {
    assert.ok(!manifest.name.startsWith('@'), 'unscoped');
    assert.ok(!/^(node-red|nodered)(?!-contrib-)/i.test(manifest.name), `${manifest.name} is not node-red-… without -contrib-`);
    assert.match(manifest.name, /^node-red-contrib-[a-z0-9][a-z0-9-]*$/);
  });

  it('P05: has the node-red keyword', function () {
    assert.ok(manifest.keywords?.includes('node-red'));
  });

  it('P06: node-red.version takes the newest Node-RED', function () {
    const newest = newestNodeRed();
    assert.ok(manifest['node-red'].version, 'node-red.version is declared');
    assert.ok(satisfies(newest.version, manifest['node-red'].version as string), `Node-RED ${newest.version} satisfies ${manifest['node-red'].version}`);
  });

  it("P07: engines.node takes the lowest Node.js the newest Node-RED runs on", function () {
    const newest = newestNodeRed();
    const lowest = minVersion(newest.node);
    assert.ok(manifest.engines?.node, 'engines.node is declared');
    assert.ok(satisfies(lowest, manifest.engines?.node as string), `Node ${lowest} (Node-RED ${newest.version} needs ${newest.node}) satisfies ${manifest.engines?.node}`);
  });

  it('N02: every node that is not a config node is used by at least one example', function () {
    const examples = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.json'));
    const used = new Set(examples.flatMap((f) => (JSON.parse(readFileSync(join(REPO_ROOT, 'examples', f), 'utf8')) as Array<{ type: string }>).map((n) => n.type)));
    const unused = types.filter((t) => t.category !== 'config' && !used.has(t.type)).map((t) => t.type);
    assert.deepEqual(unused, []);
  });

  it('D01: has at most 6 dependencies', function () {
    const count = Object.keys(manifest.dependencies ?? {}).length;
    assert.ok(count <= 6, `${count} dependencies`);
  });

  it('every node that is not a config node has an icon file that exists where Node-RED looks', function () {
    for (const { type, category, icon } of types) {
      if (category === 'config') continue;
      assert.ok(icon, `${type} names an icon`);
      const file = icon as string;
      // Node-RED's own icons (font-awesome/…, node-red/…) need no file of ours.
      if (file.includes('/')) continue;
      assert.ok(existsSync(join(REPO_ROOT, 'icons', file)), `${type}: icons/${file}`);
      assert.ok(existsSync(join(REPO_ROOT, 'dist', 'nodes', 'icons', file)), `${type}: dist/nodes/icons/${file}`);
    }
  });
});
