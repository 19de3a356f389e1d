// The device lists we know, per account and version: from a fetch (kept for a while) or a PEP
// notification (current until the next one).
import { bareOf } from '../jid';
import type { OmemoVersion } from './engine';

interface Entry {
  ids: number[];
  at: number;
}

export class DeviceLists {
  private readonly lists = new Map<string, Entry>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The ids, while fresh enough; undefined when we must ask again. */
  fresh(jid: string, version: OmemoVersion): number[] | undefined {
    const entry = this.lists.get(key(jid, version));
    return entry && this.now() - entry.at < this.maxAgeMs ? entry.ids : undefined;
  }

  /** The ids, however old (for our own list: a notification keeps it current). */
  known(jid: string, version: OmemoVersion): number[] | undefined {
    return this.lists.get(key(jid, version))?.ids;
  }

  set(jid: string, version: OmemoVersion, ids: number[]): void {
    this.lists.set(key(jid, version), { ids: [...ids], at: this.now() });
  }

  /** A message from a device the list lacks: ask again before the next send. */
  forget(jid: string): void {
    for (const version of ['0.3', '2'] as const) this.lists.delete(key(jid, version));
  }
}

function key(jid: string, version: OmemoVersion): string {
  return `${version} ${bareOf(jid)}`;
}
