// Three complete languages: every catalog key and help page in en-US, de and ja alike, every key
// the code and the editor ask for defined, no English left in an editor template, and the
// runtime speaking the language Node-RED runs in.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { XmppError } from '../../nodes/core/errors';
import { words } from '../../nodes/core/words';
import { nodeError } from '../../nodes/lib/node-error';
import { statusFor, type Translate } from '../../nodes/lib/status-text';
import { editorKeys, headingCounts, structureCounts, keyPaths, literalTexts, lookup, missingIn, sourceKeys, templates } from './i18n-scan';

const root = join(__dirname, '..', '..', '..');
const LANGUAGES = ['en-US', 'de', 'ja'] as const;
const nodeNames = readdirSync(join(root, 'nodes')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

/** Words a default node label may show untranslated: protocol names and the values a flow sets (msg.query, the IQ type). */
const LABEL_TERMS = new Set(['xmpp', 'rpc', 'iq', 'disco', 'info', 'items', 'version', 'walk', 'get', 'set']);

/** Texts an editor template may show as they are; none so far (numbers in placeholders have no letters and pass anyway). */
const ALLOWED_LITERALS = new Set<string>([]);

const catalog = (lang: string, name: string): unknown => JSON.parse(readFileSync(join(root, 'locales', lang, `${name}.json`), 'utf8'));
const files = (lang: string, ext: string): string[] =>
  existsSync(join(root, 'locales', lang)) ? readdirSync(join(root, 'locales', lang)).filter((f) => f.endsWith(ext)).sort() : [];

function tsSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsSources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A node's editor definition: its registerType script run against a stand-in for the editor's RED. */
function editorDefinition(html: string): Record<string, unknown> {
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  let def: Record<string, unknown> = {};
  const RED = { nodes: { registerType: (_type: string, given: Record<string, unknown>) => (def = given) }, validators: { number: () => () => true, regex: () => () => true } };
  // The package's shared editor script (resources/xmpp-editor.js): validators and suggestions, not labels.
  const stub = (): unknown => new Proxy(() => stub(), { get: () => stub() });
  runInNewContext(script, { RED, $: () => ({}), XmppFlowsEditor: stub() });
  return def;
}

describe('i18n: three complete languages', () => {
  it('ships en-US, de and ja, and no other language half done', () => {
    const shipped = readdirSync(join(root, 'locales')).sort();
    assert.deepEqual(shipped, [...LANGUAGES].sort());
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'en-US')) {
    describe(lang, () => {
      it('has the same catalogs and help files as en-US', () => {
        assert.deepEqual(files(lang, '.json'), files('en-US', '.json'));
        assert.deepEqual(files(lang, '.html'), files('en-US', '.html'));
      });

      for (const name of nodeNames) {
        it(`${name}.json has exactly the keys of en-US, each a non-empty text`, () => {
          const en = keyPaths(catalog('en-US', name));
          const other = keyPaths(catalog(lang, name));
          assert.deepEqual(missingIn(en, other), [], `missing in ${lang}`);
          assert.deepEqual(missingIn(other, en), [], `only in ${lang}`);
          for (const key of other) assert.ok(typeof lookup(catalog(lang, name), key) === 'string' && (lookup(catalog(lang, name), key) as string).trim() !== '', `${lang} ${key}`);
        });

        it(`${name}.json keeps every __placeholder__ of en-US`, () => {
          for (const key of keyPaths(catalog('en-US', name))) {
            const names = (text: unknown): string[] => [...String(text).matchAll(/__([a-zA-Z]+)__/g)].map((m) => m[1] as string).sort();
            assert.deepEqual(names(lookup(catalog(lang, name), key)), names(lookup(catalog('en-US', name), key)), `${lang} ${key}`);
          }
        });

        it(`${name}.html has the sections of en-US`, () => {
          const en = readFileSync(join(root, 'locales', 'en-US', `${name}.html`), 'utf8');
          const other = readFileSync(join(root, 'locales', lang, `${name}.html`), 'utf8');
          assert.match(other, new RegExp(`data-help-name="${name}"`));
          assert.equal(headingCounts(other), headingCounts(en), `headings of ${lang}/${name}.html`);
          assert.equal(structureCounts(other), structureCounts(en), `properties, lists and code of ${lang}/${name}.html`);
        });
      }
    });
  }

  describe('every key asked for is defined', () => {
    const sections = nodeNames;
    const defined = (key: string): boolean => typeof lookup(catalog('en-US', key.split('.')[0] as string), key) === 'string';

    it('by the nodes, lib and core (RED._, node._, this._, t, key constants, core words)', () => {
      const asked = tsSources(join(root, 'nodes')).flatMap((file) => sourceKeys(readFileSync(file, 'utf8'), sections).map((key) => ({ key, file })));
      assert.ok(asked.some((a) => a.key.startsWith('xmpp-config.detail.')), 'the core words are seen');
      assert.ok(asked.some((a) => a.key.startsWith('xmpp-in.status.')), 'the nodes are seen');
      const missing = asked.filter((a) => !sections.includes(a.key.split('.')[0] as string) || !defined(a.key)).map((a) => `${a.key} (${a.file.slice(root.length + 1)})`);
      assert.deepEqual(missing, []);
    });

    it('by the editor (data-i18n with or without [placeholder]/[title], _() calls)', () => {
      const missing: string[] = [];
      for (const name of nodeNames) {
        const keys = editorKeys(readFileSync(join(root, 'nodes', `${name}.html`), 'utf8'));
        assert.ok(keys.length > 0, `${name}.html asks for keys`);
        for (const key of keys) if (!sections.includes(key.split('.')[0] as string) || !defined(key)) missing.push(`${key} (${name}.html)`);
      }
      assert.deepEqual(missing, []);
    });
  });

  it('no editor template shows text that does not come from data-i18n', () => {
    const found: string[] = [];
    for (const name of nodeNames) {
      const parts = templates(readFileSync(join(root, 'nodes', `${name}.html`), 'utf8'));
      assert.ok(parts.has(name), `${name}.html has its template`);
      for (const [type, template] of parts) for (const text of literalTexts(template, ALLOWED_LITERALS)) found.push(`${type}: ${text}`);
    }
    assert.deepEqual(found, []);
  });

  it('palette, output and default node labels come from the catalogs', () => {
    // Each node's editor definition, run as the editor runs it, with _() marking what it translates.
    const mark = (key: string): string => `«${key}»`;
    const plain = (text: unknown): string => String(text).replace(/«[^»]*»/g, '');
    for (const name of nodeNames.filter((n) => n !== 'xmpp-config')) {
      const def = editorDefinition(readFileSync(join(root, 'nodes', `${name}.html`), 'utf8'));
      assert.equal(typeof def.paletteLabel, 'function', `${name}: paletteLabel is a text`);
      assert.match(String((def.paletteLabel as (this: unknown) => unknown).call({ _: mark })), /^«[^»]+»$/, `${name}: paletteLabel`);
      // Every mode and switch a node has, with nothing filled in: no word of its own left over.
      for (const mode of ['', 'call', 'serve', 'reply', 'raw', 'query', 'answer', 'hold', 'drop', 'divert']) {
        const node = { _: mark, mode, presence: true, faultOutput: true, name: '' };
        const words = plain((def.label as (this: unknown) => unknown).call(node)).match(/\p{L}+/gu) ?? [];
        assert.deepEqual(words.filter((w) => !LABEL_TERMS.has(w)), [], `${name} label in mode "${mode}"`);
        if (typeof def.outputLabels === 'function') {
          for (const index of [0, 1]) {
            const label = (def.outputLabels as (this: unknown, i: number) => unknown).call(node, index);
            if (label !== undefined) assert.match(String(label), /^«[^»]+»$/, `${name} output ${index} in mode "${mode}"`);
          }
        }
      }
    }
  });

  describe('the checks themselves catch what they are for', () => {
    it('a key one language lacks', () => {
      assert.deepEqual(missingIn(keyPaths({ a: { b: 'x', c: 'y' } }), keyPaths({ a: { b: 'x' } })), ['a.c']);
    });
    it('a heading or a property one language lacks', () => {
      assert.notEqual(headingCounts('<h3>A</h3><h3>B</h3>'), headingCounts('<h3>A</h3>'));
      assert.equal(headingCounts('<h3>A</h3><h4>B</h4>'), 'h3:1 h4:1');
      assert.notEqual(structureCounts('<dl><dt>a</dt><dd>x</dd><dt>b</dt></dl>'), structureCounts('<dl><dt>a</dt><dd>x</dd></dl>'));
      assert.equal(structureCounts('<dl><dt>a</dt></dl><dd>'), 'dd:1 dl:1 dt:1', 'dl is not counted as dd or dt');
    });
    it('keys in code, in templates and in core words', () => {
      const source = "RED._('xmpp-in.status.x'); node._(\"iq-rpc.label.y\"); t('xmpp-out.error.z'); const K = 'presence-gate.status.w'; words('jid-empty'); words(a ? 'p' : 'q');";
      assert.deepEqual(sourceKeys(source, ['xmpp-in', 'presence-gate']).sort(), ['iq-rpc.label.y', 'presence-gate.status.w', 'xmpp-config.detail.jid-empty', 'xmpp-config.detail.p', 'xmpp-config.detail.q', 'xmpp-in.status.x', 'xmpp-out.error.z']);
      assert.deepEqual(editorKeys('<input data-i18n="[placeholder]a.b.c"><span data-i18n="a.d;[title]a.e"></span> this._("a.f")').sort(), ['a.b.c', 'a.d', 'a.e', 'a.f']);
    });
    it('text in a template that is not from data-i18n', () => {
      assert.deepEqual(literalTexts('<label>&nbsp;</label><span data-i18n="a.b"></span><input placeholder="80">'), []);
      assert.deepEqual(literalTexts('<label><i class="fa fa-x"></i> Name</label>'), ['text "Name"']);
      assert.deepEqual(literalTexts('<select><option value="get">get</option></select>'), ['text "get"']);
      assert.deepEqual(literalTexts('<input placeholder="client"><div title="Help"></div>'), ['placeholder "client" on <input>', 'title "Help" on <div>']);
      assert.deepEqual(literalTexts('<span data-i18n="[placeholder]a.b">Shown</span>'), ['text "Shown"'], 'a [placeholder] key does not fill the text');
      assert.deepEqual(literalTexts('<span data-i18n="a.b">replaced</span> KiB', new Set(['KiB'])), [], 'listed texts pass');
    });
  });
});

describe('i18n: the runtime speaks the language Node-RED runs in', () => {
  // Node-RED's own i18n (@node-red/util), as its registry uses it: one namespace per node set,
  // "<module>/<set>", the catalog read from locales/<lang>/<set>.json beside the node's file.
  const { i18n } = require('@node-red/util') as {
    i18n: {
      init(settings: { lang?: string }): void;
      registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
      _(key: string, substitutions?: Record<string, string | number>): string;
      i: { language: string; changeLanguage(lang: string): Promise<unknown> };
    };
  };
  const namespace = 'node-red-contrib-xmpp-flows/xmpp-config';
  const t: Translate = (key, substitutions) => i18n._(`${namespace}:${key}`, substitutions);
  const de = (): unknown => catalog('de', 'xmpp-config');
  const en = (): unknown => catalog('en-US', 'xmpp-config');
  let previous = '';

  before(async () => {
    i18n.init({ lang: 'de' });
    await i18n.registerMessageCatalog(namespace, join(root, 'dist', 'nodes', 'locales'), 'xmpp-config.json');
    previous = i18n.i.language;
    await i18n.i.changeLanguage('de');
  });
  after(async () => {
    await i18n.i.changeLanguage(previous || 'en-US');
  });

  it('a status under the nodes is German', () => {
    const connecting = statusFor(t, { state: 'connecting', jid: 'bot@example.org' }).text;
    assert.equal(connecting, lookup(de(), 'xmpp-config.status.connecting'));
    assert.notEqual(connecting, lookup(en(), 'xmpp-config.status.connecting'));
  });

  it("an error for done(err) is German, the core's words in it too", () => {
    const error = nodeError(t, new XmppError('outbox-full', words('outbox-count', { count: 3, limit: 2 })));
    const sentence = String(lookup(de(), 'xmpp-config.error.outbox-full'));
    const detail = String(lookup(de(), 'xmpp-config.detail.outbox-count')).replace('__count__', '3').replace('__limit__', '2');
    assert.equal(error.message, sentence.replace('__detail__', detail));
    assert.equal((error as Error & { code?: string }).code, 'outbox-full');
    assert.doesNotMatch(error.message, /messages waiting|Not sent/);
  });

  it('switched to Japanese, the same status and words within words are Japanese', async () => {
    await i18n.i.changeLanguage('ja');
    try {
      const ja = catalog('ja', 'xmpp-config');
      assert.equal(statusFor(t, { state: 'stopped', jid: 'bot@example.org' }).text, lookup(ja, 'xmpp-config.status.disconnected'));
      const error = nodeError(t, new XmppError('invalid-jid', words('jid', { jid: 'a b@example.org', why: words('jid-local-char') })));
      const why = String(lookup(ja, 'xmpp-config.detail.jid-local-char'));
      assert.ok(error.message.includes(why), error.message);
      assert.ok(error.message.includes('a b@example.org'), error.message);
    } finally {
      await i18n.i.changeLanguage('de');
    }
  });
});
