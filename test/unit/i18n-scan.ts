// What the i18n test reads out of catalogs, sources, editor templates and help files: pure
// functions, so the test can show each of them catching a fault in a made-up sample too.

type Tree = { [key: string]: unknown };

/** Every leaf of a catalog as a dotted path ("xmpp-in.status.joined"), objects walked. */
export function keyPaths(tree: unknown, prefix = ''): string[] {
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return [prefix];
  return Object.entries(tree as Tree).flatMap(([key, value]) => keyPaths(value, prefix ? `${prefix}.${key}` : key));
}

/** The text at a dotted path, or undefined. */
export function lookup(tree: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Tree)[part] : undefined), tree);
}

/** Differences between two key sets: what `a` has that `b` lacks. */
export function missingIn(a: readonly string[], b: readonly string[]): string[] {
  const have = new Set(b);
  return a.filter((key) => !have.has(key));
}

const KEY = String.raw`[a-z][a-z-]*(?:\.[A-Za-z0-9][A-Za-z0-9-]*)+`;

/**
 * The catalog keys a runtime source asks for: RED._('…'), node._('…'), this._('…'), t('…'),
 * constants holding a key ('xmpp-in.status.no-config'), and core words ('jid-empty' becomes
 * xmpp-config.detail.jid-empty). Keys built at run time (`error.${code}`) are not seen here:
 * the locales test checks those against their code lists.
 */
export function sourceKeys(source: string, sections: readonly string[]): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(new RegExp(String.raw`(?:\b(?:RED|node|this)\._|\bt)\(\s*['"\`](${KEY})['"\`]`, 'g'))) found.add(m[1] as string);
  for (const m of source.matchAll(new RegExp(String.raw`['"](${KEY})['"]`, 'g'))) {
    const key = m[1] as string;
    if (sections.includes(key.split('.')[0] as string) && key.split('.').length >= 3) found.add(key);
  }
  for (const m of source.matchAll(/\bwords\(\s*'([a-z][a-z0-9-]*)'/g)) found.add(`xmpp-config.detail.${m[1] as string}`);
  // words(cond ? 'a' : 'b'): both branches.
  for (const m of source.matchAll(/\bwords\(\s*[^'(),]+\?\s*'([a-z][a-z0-9-]*)'\s*:\s*(?:[^'(),]+\?\s*)?'([a-z][a-z0-9-]*)'(?:\s*:\s*'([a-z][a-z0-9-]*)')?/g)) {
    for (const key of m.slice(1)) if (key) found.add(`xmpp-config.detail.${key}`);
  }
  return [...found];
}

/** The keys an editor file asks for: data-i18n (with [placeholder]/[title]/[html] prefixes, several split by ';') and _('…') calls. */
export function editorKeys(html: string): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/data-i18n="([^"]*)"/g)) {
    for (const part of (m[1] as string).split(';')) {
      const key = part.replace(/^\s*\[[a-z]+\]/, '').trim();
      if (key) found.add(key);
    }
  }
  for (const m of html.matchAll(new RegExp(String.raw`\b_\(\s*['"](${KEY})['"]`, 'g'))) found.add(m[1] as string);
  return [...found];
}

/** The `<script type="text/html" data-template-name=…>` parts of an editor file, by node type. */
export function templates(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<script\s+type="text\/html"\s+data-template-name="([^"]+)"\s*>([\s\S]*?)<\/script>/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const ENTITIES: Record<string, string> = { nbsp: '\u00a0', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) out.set((m[1] as string).toLowerCase(), decode(m[2] ?? m[3] ?? m[4] ?? ''));
  return out;
}

/**
 * User-facing text in a template that does not come from data-i18n: a text node with anything but
 * whitespace (unless its element is filled by data-i18n), a placeholder or title with a letter.
 * `allowed` lists texts that may stand as they are (symbols, units), each written out.
 */
export function literalTexts(template: string, allowed: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  // Each open element: whether data-i18n fills its text.
  const open: { name: string; translated: boolean }[] = [];
  for (const m of template.matchAll(/<!--[\s\S]*?-->|<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)/g)) {
    const [whole, name, rest, text] = m;
    if (whole.startsWith('<!--')) continue;
    if (text !== undefined) {
      const shown = decode(text).trim();
      if (shown === '' || allowed.has(shown)) continue;
      if (open.at(-1)?.translated) continue;
      found.push(`text "${shown}"`);
      continue;
    }
    const tag = (name as string).toLowerCase();
    if (whole.startsWith('</')) {
      const at = open.map((e) => e.name).lastIndexOf(tag);
      if (at !== -1) open.length = at;
      continue;
    }
    const attrs = attributes(rest ?? '');
    const i18n = (attrs.get('data-i18n') ?? '').split(';').map((p) => p.trim());
    for (const attr of ['placeholder', 'title']) {
      const value = attrs.get(attr);
      if (value !== undefined && /\p{L}/u.test(value) && !allowed.has(value.trim())) found.push(`${attr} "${value}" on <${tag}>`);
    }
    // data-i18n="key" or "[html]key" fills the text; "[placeholder]key" only the attribute.
    const translated = i18n.some((p) => p !== '' && (!p.startsWith('[') || p.startsWith('[html]') || p.startsWith('[text]')));
    if (!VOID.has(tag) && !whole.endsWith('/>')) open.push({ name: tag, translated });
  }
  return found;
}

/** How many of each tag a help file has ("h3:3 h4:5"), to compare languages. */
export function tagCounts(html: string, tags: RegExp): string {
  const counts = new Map<string, number>();
  for (const m of html.matchAll(new RegExp(`<(${tags.source})\\b`, 'gi'))) counts.set((m[1] as string).toLowerCase(), (counts.get((m[1] as string).toLowerCase()) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([tag, n]) => `${tag}:${n}`).join(' ');
}

/** The section headings of a help file, by level. */
export function headingCounts(html: string): string {
  return tagCounts(html, /h[1-6]/);
}

/** The structure a translation keeps: property lists, entries, lists and code. */
export function structureCounts(html: string): string {
  return tagCounts(html, /dl|dt|dd|ol|ul|li|code|pre/);
}
