// Whose presence we follow: the roster, our own account and whoever we wrote to, and of everyone
// else at most a few at a time, so that presence from a crowd of strangers cannot fill memory
// or the flows. The rest is counted, and reported at most once a period.

/** Strangers (not in the roster, never written to) whose presence is tracked at once. */
export const MAX_STRANGERS = 100;
/** JIDs we wrote to that count as known (the most recent ones). */
const MAX_ADDRESSED = 1000;
/** How often, at most, the ignored strangers are reported. */
const REPORT_EVERY_MS = 60_000;

export class PresenceScope {
  /** Bare JIDs we wrote to, oldest first. */
  private readonly addressed = new Set<string>();
  /** Strangers whose presence is tracked, oldest first. */
  private readonly strangers = new Set<string>();
  private ignored = 0;
  private lastReport = 0;
  /** The recipient written to last (a run of messages to one JID changes nothing). */
  private lastTo: string | undefined;

  constructor(
    /** Whether a bare JID is known anyway (our account, the roster). */
    private readonly known: (bare: string) => boolean,
    /** Told how many strangers were ignored since the last report. */
    private readonly report: (ignored: number) => void,
  ) {}

  /** We wrote to `to`: its presence counts from now on. */
  wroteTo(to: string | undefined): void {
    if (!to || to === this.lastTo) return;
    this.lastTo = to;
    // On the send path, so no full parse: the bare part is what is before the '/', in the
    // lower case the server reports presence in.
    const slash = to.indexOf('/');
    const bare = (slash === -1 ? to : to.slice(0, slash)).toLowerCase();
    this.addressed.delete(bare);
    this.addressed.add(bare);
    if (this.addressed.size > MAX_ADDRESSED) this.addressed.delete(this.addressed.values().next().value as string);
  }

  /** Whether this available or unavailable presence is followed. */
  follows(bare: string, type: 'available' | 'unavailable'): boolean {
    if (this.known(bare) || this.addressed.has(bare) || this.strangers.has(bare)) return true;
    if (type === 'unavailable') return false; // nothing tracked, nothing to forget
    if (this.strangers.size < MAX_STRANGERS) {
      this.strangers.add(bare);
      return true;
    }
    this.ignored += 1;
    const now = Date.now();
    if (this.lastReport === 0 || now - this.lastReport >= REPORT_EVERY_MS) {
      this.report(this.ignored);
      this.ignored = 0;
      this.lastReport = now;
    }
    return false;
  }

  /** A stranger went offline: its place is free. */
  gone(bare: string): void {
    this.strangers.delete(bare);
  }

  /** A new login: the server sends everyone's presence again. */
  reset(): void {
    this.strangers.clear();
  }
}
