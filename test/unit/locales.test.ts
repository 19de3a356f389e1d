// Every text the runtime shows comes from locales/, and every node has help.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../nodes/core/errors';
import { FILE_ERROR_CODES } from '../../nodes/core/files/file-error';
import { ADDRESS_OUTCOMES } from '../../nodes/core/session/tried-addresses';

const root = join(__dirname, '..', '..', '..');
const catalog = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'locales', 'en-US', `${name}.json`), 'utf8')) as Record<string, unknown>;

function lookup(tree: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), tree);
}

const nodeNames = readdirSync(join(root, 'nodes')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

describe('locales', () => {
  it('has a catalog and help for every node', () => {
    assert.ok(nodeNames.length >= 3);
    for (const name of nodeNames) {
      assert.ok(catalog(name)[name], `${name}.json has a "${name}" section`);
      const help = readFileSync(join(root, 'locales', 'en-US', `${name}.html`), 'utf8');
      assert.match(help, new RegExp(`data-help-name="${name}"`));
      assert.match(help, /<p>.+<\/p>/, 'a first paragraph for the palette tooltip');
    }
  });

  it('has every key the runtime code asks for (the nodes and their lib)', () => {
    const libFiles = readdirSync(join(root, 'nodes', 'lib')).filter((f) => f.endsWith('.ts')).map((f) => join('lib', f));
    for (const name of [...nodeNames.map((n) => `${n}.ts`), ...libFiles]) {
      const source = readFileSync(join(root, 'nodes', name), 'utf8');
      for (const match of source.matchAll(/(?:RED\._|\bt)\('([a-z-]+\.[a-z.-]+)'/g)) {
        const key = match[1] as string;
        const section = key.split('.')[0] as string;
        assert.equal(typeof lookup(catalog(section), key), 'string', `${key} used in ${name}`);
      }
    }
  });

  it('has a status reason and an error text for every error code', () => {
    const config = catalog('xmpp-config');
    for (const code of ERROR_CODES) {
      assert.equal(typeof lookup(config, `xmpp-config.reason.${code}`), 'string', `reason.${code}`);
      assert.equal(typeof lookup(config, `xmpp-config.error.${code}`), 'string', `error.${code}`);
    }
  });

  it('has a text for every way a file transfer can fail', () => {
    const config = catalog('xmpp-config');
    for (const code of FILE_ERROR_CODES) assert.equal(typeof lookup(config, `xmpp-config.file-error.${code}`), 'string', `file-error.${code}`);
  });

  it('has a text for every way an address can fail, and the sentence that lists them', () => {
    const config = catalog('xmpp-config');
    for (const outcome of ADDRESS_OUTCOMES) assert.equal(typeof lookup(config, `xmpp-config.tried.${outcome}`), 'string', `tried.${outcome}`);
    assert.equal(typeof lookup(config, 'xmpp-config.tried.entry'), 'string');
    assert.equal(typeof lookup(config, 'xmpp-config.log.tried'), 'string');
  });

  it('documents every editor field label it uses', () => {
    for (const name of nodeNames) {
      const html = readFileSync(join(root, 'nodes', `${name}.html`), 'utf8');
      for (const match of html.matchAll(/data-i18n="(?:\[placeholder\])?([a-z-]+\.[a-z.-]+)"/g)) {
        const key = match[1] as string;
        assert.equal(typeof lookup(catalog(key.split('.')[0] as string), key), 'string', `${key} in ${name}.html`);
      }
    }
  });
});
