// What we have seen of each contact's devices (and our own other devices): the fingerprint each
// first showed, and whether it showed another since. Lives in the store file.
import { bareOf } from '../jid';
import type { OmemoVersion } from './engine';
import type { KnownDevice } from './store-data';
import { normalizeFingerprint } from './trust';

export class KnownDevices {
  constructor(private readonly byJid: Record<string, KnownDevice[]>) {}

  get(jid: string, version: OmemoVersion, id: number): KnownDevice | undefined {
    return this.byJid[bareOf(jid)]?.find((d) => d.version === version && d.id === id);
  }

  /**
   * Records the fingerprint a device shows (its forms, the shown one first); returns its record as it was before (undefined for a
   * new device). A different fingerprint than the first marks the device as changed, for good.
   */
  observe(jid: string, version: OmemoVersion, id: number, forms: string | readonly string[]): { before: KnownDevice | undefined; changed: boolean } {
    const [fingerprint = '', ...others] = (typeof forms === 'string' ? [forms] : forms).map(normalizeFingerprint);
    const bare = bareOf(jid);
    const list = (this.byJid[bare] ??= []);
    const before = list.find((d) => d.version === version && d.id === id);
    if (!before) {
      list.push(others.length > 0 ? { version, id, fingerprint, otherForms: others } : { version, id, fingerprint });
      return { before: undefined, changed: false };
    }
    const changed = normalizeFingerprint(before.fingerprint) !== normalizeFingerprint(fingerprint);
    const snapshot = { ...before };
    if (changed) before.keyChanged = true;
    return { before: snapshot, changed };
  }

  /** Every record, for the store and for showing. */
  all(): Record<string, KnownDevice[]> {
    return this.byJid;
  }
}
