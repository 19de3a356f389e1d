// An error's detail as the en-US locale words it, so tests read the sentence a user gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Words } from '../../nodes/core/words';
import { detailText, type Translate } from '../../nodes/lib/status-text';

type Tree = { [key: string]: string | Tree };

const root = join(__dirname, '..', '..', '..');
const catalogs = new Map<string, Tree>();

function catalog(section: string): Tree {
  let tree = catalogs.get(section);
  if (!tree) {
    tree = JSON.parse(readFileSync(join(root, 'locales', 'en-US', `${section}.json`), 'utf8')) as Tree;
    catalogs.set(section, tree);
  }
  return tree;
}

/** Node-RED's RED._ for en-US: the text at the key with its __name__ substitutions; the key itself when missing. */
export const en: Translate = (key, substitutions) => {
  const found = key.split('.').reduce<string | Tree | undefined>((node, part) => (node && typeof node === 'object' ? node[part] : undefined), catalog(key.split('.')[0] ?? ''));
  const text = typeof found === 'string' ? found : key;
  return Object.entries(substitutions ?? {}).reduce((out, [name, value]) => out.split(`__${name}__`).join(String(value)), text);
};

/** The detail of an error (XmppError, FileError, a msg's error) in en-US words. */
export function english(error: unknown): string {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { detail?: unknown; words?: Words };
  return detailText(en, { detail: typeof fields.detail === 'string' ? fields.detail : '', words: fields.words });
}
