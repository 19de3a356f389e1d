// Imports point one way: nodes → lib → core. The core knows nothing of Node-RED, lib knows no
// node file, and no node file deals in XML.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports (static imports, type imports, import() and require()). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push((match[1] ?? match[2] ?? match[3]) as string);
  }
  return found;
}

describe('layers', () => {
  const core = sources(join(root, 'nodes', 'core'));
  const lib = sources(join(root, 'nodes', 'lib'));
  const nodeFiles = readdirSync(join(root, 'nodes'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(root, 'nodes', name));

  it('finds the sources it checks', () => {
    assert.ok(core.length > 10 && lib.length > 3 && nodeFiles.length >= 6);
    assert.ok(imports(join(root, 'nodes', 'xmpp-config.ts')).length > 3, 'the import reader reads imports');
  });

  it('the core imports neither Node-RED nor anything outside nodes/core', () => {
    for (const file of core) {
      for (const spec of imports(file)) {
        assert.ok(!/^node-red|^@node-red\//.test(spec), `${relative(root, file)} imports ${spec}`);
        if (spec.startsWith('.')) {
          const target = relative(join(root, 'nodes', 'core'), join(file, '..', spec));
          assert.ok(!target.startsWith('..'), `${relative(root, file)} imports ${spec}, outside the core`);
        }
      }
    }
  });

  it('lib imports the core, never a node file', () => {
    for (const file of lib) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(join(root, 'nodes'), join(file, '..', spec));
        assert.ok(target.startsWith('core') || target.startsWith('lib'), `${relative(root, file)} imports ${spec}`);
      }
    }
  });

  it('no node file, and nothing in lib, deals in XML: nodes get plain objects from the client', () => {
    for (const file of [...nodeFiles, ...lib]) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /\bXml(Element|Factory|Child)\b/, `${relative(root, file)} names an XML type`);
      for (const spec of imports(file)) {
        if (/xmpp-lib$/.test(spec)) assert.ok(file.endsWith('xmpp-config.ts'), `${relative(root, file)} imports ${spec}`);
        assert.ok(!/@xmpp\//.test(spec), `${relative(root, file)} imports ${spec}`);
      }
    }
  });
});
