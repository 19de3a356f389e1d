// A detail the user reads, as a key and its data instead of a sentence: the core speaks no
// language, the nodes turn it into text (locales: xmpp-config.detail.<key>).

/** A value filled into a detail's text: plain data, or another detail (a host's refusal, in its own words). */
export type WordsValue = string | number | Words;

export interface Words {
  readonly key: string;
  readonly data: Readonly<Record<string, WordsValue>>;
}

/** Words for a detail; the test for locales finds every key given here in every language. */
export function words(key: string, data: Readonly<Record<string, WordsValue>> = {}): Words {
  return { key, data };
}

/** A detail given as text (a condition, a system code, a JID) or as words. */
export type Detail = string | Words;

/**
 * The same detail without a language, for `detail` fields, logs and payloads a flow reads
 * ("outbox-count count=3 limit=2"): the key, then the data.
 */
export function detailCode(detail: Detail): string {
  if (typeof detail === 'string') return detail;
  const data = Object.entries(detail.data).map(([name, value]) => `${name}=${typeof value === 'object' ? `(${detailCode(value)})` : String(value)}`);
  return [detail.key, ...data].join(' ');
}

/** Words carried by something of unknown shape (an error from elsewhere). */
export function isWords(value: unknown): value is Words {
  return typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string' && typeof (value as { data?: unknown }).data === 'object';
}

/** The words of a detail, when it has any. */
export function wordsOf(detail: Detail): Words | undefined {
  return typeof detail === 'string' ? undefined : detail;
}
