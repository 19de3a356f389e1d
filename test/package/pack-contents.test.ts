// What `npm pack` puts in the tarball: everything Node-RED and a user need (each node's code,
// editor part, help and texts in every language the repo has, icons, examples, README,
// CHANGELOG, LICENSE), and none of the build's by-products (source maps, tests, benches, sources).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../rig/node-red-process';

const run = promisify(execFile);

interface PackReport {
  name: string;
  files: Array<{ path: string; size: number }>;
}

interface Manifest {
  main?: string;
  files?: string[];
  'node-red': { nodes: Record<string, string> };
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** The files of a folder of the repo, relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [path.slice(base.length + 1).split('\\').join('/')];
  });
}

describe('the tarball npm pack makes', function () {
  this.timeout(120_000);
  let paths: string[];

  before(async function () {
    // The build's output is what is packed: it must exist (npm test builds first).
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'nodes', 'xmpp-config.js')), 'run `npm run build` first');
    // The npm beside this node binary (Node-RED 5 tests run others); --ignore-scripts: no second build.
    const npm = join(dirname(process.execPath), 'npm');
    const { stdout } = await run(existsSync(npm) ? npm : 'npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout) as PackReport[];
    assert.equal(report.length, 1);
    paths = (report[0] as PackReport).files.map((f) => f.path);
    assert.ok(paths.length > 20, `npm pack lists the files (${paths.length})`);
  });

  it('has every node the package declares: its .js and its editor .html, side by side', function () {
    const nodes = Object.entries(manifest['node-red'].nodes);
    assert.ok(nodes.length >= 7);
    for (const [type, file] of nodes) {
      assert.ok(paths.includes(file), `${type}: ${file}`);
      assert.ok(paths.includes(file.replace(/\.js$/, '.html')), `${type}: its .html beside ${file}`);
    }
  });

  it('has the help and texts of every node in every language folder of locales/', function () {
    const languages = readdirSync(join(REPO_ROOT, 'locales')).filter((name) => statSync(join(REPO_ROOT, 'locales', name)).isDirectory());
    assert.ok(languages.includes('en-US'));
    for (const language of languages) {
      const files = filesUnder(join(REPO_ROOT, 'locales', language));
      assert.ok(files.length > 0, `locales/${language} has files`);
      // Node-RED looks for locales/ in the folder of each node's .js file.
      for (const file of files) assert.ok(paths.includes(`dist/nodes/locales/${language}/${file}`), `locales/${language}/${file}`);
      for (const [type, file] of Object.entries(manifest['node-red'].nodes)) {
        const base = file.replace(/^dist\/nodes\//, '').replace(/\.js$/, '');
        if (language === 'en-US') {
          assert.ok(paths.includes(`dist/nodes/locales/${language}/${base}.json`), `${type}'s texts in ${language}`);
          assert.ok(paths.includes(`dist/nodes/locales/${language}/${base}.html`), `${type}'s help in ${language}`);
        }
      }
    }
  });

  it('has every icon of icons/, where Node-RED looks for them', function () {
    const icons = filesUnder(join(REPO_ROOT, 'icons'));
    assert.ok(icons.length > 0);
    for (const icon of icons) assert.ok(paths.includes(`dist/nodes/icons/${icon}`), `icons/${icon}`);
  });

  it('has the shared editor script of resources/, which Node-RED serves at resources/<package>/', function () {
    const resources = filesUnder(join(REPO_ROOT, 'resources'));
    assert.ok(resources.includes('xmpp-editor.js'));
    for (const file of resources) assert.ok(paths.includes(`resources/${file}`), `resources/${file}`);
  });

  it('has every example flow, the README, the CHANGELOG and the LICENSE', function () {
    const examples = filesUnder(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.json'));
    assert.ok(examples.length >= 9);
    for (const example of examples) assert.ok(paths.includes(`examples/${example}`), `examples/${example}`);
    for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'package.json']) assert.ok(paths.includes(file), file);
  });

  it('has no source maps, no TypeScript sources, no tests, no benches and no build scripts', function () {
    const unwanted = paths.filter(
      (path) => path.endsWith('.map') || (path.endsWith('.ts') && !path.endsWith('.d.ts')) || /(^|\/)(test|bench|scripts|\.rig|\.demo|\.ci)\//.test(path) || /\.test\.js$/.test(path),
    );
    assert.deepEqual(unwanted, []);
    // The runtime's own code is only what dist/nodes holds.
    const outside = paths.filter((path) => path.startsWith('dist/') && !path.startsWith('dist/nodes/'));
    assert.deepEqual(outside, []);
  });

  it('names the runtime code it needs: every file a node .js requires is in the tarball', function () {
    // A require('./x') of a file left out would only fail when Node-RED loads the node.
    const js = paths.filter((path) => path.endsWith('.js'));
    for (const file of js) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const match of text.matchAll(/require\("(\.[^"]+)"\)/g)) {
        const target = join(dirname(file), match[1] as string).split('\\').join('/');
        const candidates = [target, `${target}.js`, `${target}/index.js`];
        assert.ok(candidates.some((c) => paths.includes(c) || (c.endsWith('.json') && paths.includes(c))), `${file} requires ${match[1] as string}`);
      }
    }
  });
});
