// XEP-0410 MUC self-ping: when a room has been quiet for a while, ask it (a ping to our own
// occupant JID) whether it still has us. A restarted service or a netsplit can drop us without a
// word, and a room that forgot us stays silent: without asking we would stay "joined" and deaf.
import { XmppError } from '../errors';

/** What an answer to a self-ping says: still in, out (enter again), or nothing (no answer: ask again later). */
export type SelfPingVerdict = 'in' | 'out' | 'unknown';

/** XEP-0410 suggests 15 minutes; a bot that misses a room is worse off than a person, so less. */
export const DEFAULT_SELF_PING_MS = 5 * 60_000;
export const SELF_PING_TIMEOUT_MS = 30_000;

/** Time and timers as a self-ping sees them; tests move time by hand. */
export interface Clock {
  now(): number;
  /** Calls `fire` once after `ms`; returns its canceller. */
  after(ms: number, fire: () => void): () => void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  after(ms, fire) {
    const timer = setTimeout(fire, ms);
    // A pending self-ping must not keep Node-RED (or a test run) alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** The verdict on a failed self-ping to an occupant JID of `room` (the room's bare JID, lower case). */
export function selfPingVerdict(error: unknown, room: string): SelfPingVerdict {
  // No answer in time, or the connection went: nothing learnt about the room.
  if (!(error instanceof XmppError) || error.code !== 'stanza-error') return 'unknown';
  switch (error.condition) {
    case 'service-unavailable':
    case 'feature-not-implemented':
      // The room passed the ping on to a client of ours that does not answer pings: it has us.
      return 'in';
    case 'item-not-found':
      // Said by the room itself, it has us under another nick (XEP-0410). Said by the service
      // (Prosody 0.12: `by` its domain) or by no one, there is no such room any more.
      return error.by?.toLowerCase() === room ? 'in' : 'out';
    default:
      // not-acceptable (what XEP-0410 asks of a room that does not know us), not-allowed,
      // bad-request; remote-server-* (a netsplit, after which the room has dropped us anyway).
      return 'out';
  }
}

export interface SelfPingOptions {
  /** The room's bare JID (lower case), to read who said item-not-found. */
  room: string;
  /** Quiet time before asking; 0 or less: never ask. */
  quietMs: number;
  clock: Clock;
  /** Sends the self-ping; resolves on a result, rejects with the error answer or a timeout. */
  ping(): Promise<unknown>;
  /** The room no longer has us. */
  lost(): void;
  /** A ping that told nothing (timeout, connection gone), or a throwing listener. */
  warn(error: unknown): void;
}

/** One room's self-ping: at most one in flight; asked only while watching (in the room and online). */
export class SelfPing {
  private lastHeard = 0;
  private cancel: (() => void) | undefined;
  private watching = false;
  private inFlight = false;
  /** Counts starts and stops: an answer to a ping sent in an earlier watch is not acted on. */
  private watch = 0;

  constructor(private readonly options: SelfPingOptions) {}

  /** We are in the room (again): ask after it has been quiet for the interval. */
  start(): void {
    this.stop();
    if (!(this.options.quietMs > 0)) return;
    this.watching = true;
    this.heard();
    // A ping from an earlier watch still out: its answer starts the wait, so one is in flight at most.
    if (!this.inFlight) this.schedule(this.options.quietMs);
  }

  /** Something came from the room: it has us, and the quiet interval starts again. */
  heard(): void {
    this.lastHeard = this.options.clock.now();
  }

  /** Left the room, lost the connection, or out of the room: no more pings, no timer left. */
  stop(): void {
    this.watching = false;
    this.watch += 1;
    this.cancel?.();
    this.cancel = undefined;
  }

  private schedule(ms: number): void {
    this.cancel?.();
    this.cancel = this.options.clock.after(ms, () => this.check());
  }

  /** Moves the timer on rather than resetting it for each stanza: a busy room costs no timer churn. */
  private check(): void {
    this.cancel = undefined;
    if (!this.watching) return;
    const quietFor = this.options.clock.now() - this.lastHeard;
    if (quietFor < this.options.quietMs) {
      this.schedule(this.options.quietMs - quietFor);
      return;
    }
    this.inFlight = true;
    const watch = this.watch;
    this.options
      .ping()
      .then(
        (): SelfPingVerdict => 'in',
        (error: unknown): SelfPingVerdict => {
          const verdict = selfPingVerdict(error, this.options.room);
          if (verdict === 'unknown') this.options.warn(error);
          return verdict;
        },
      )
      .then((verdict) => {
        this.inFlight = false;
        if (!this.watching) return;
        if (watch !== this.watch || verdict !== 'out') {
          // Still in, or not known: ask again after another quiet interval (XEP-0410: a timeout is no verdict).
          if (verdict === 'in') this.heard();
          this.schedule(this.options.quietMs);
          return;
        }
        this.stop();
        this.options.lost();
      })
      .catch((error: unknown) => this.options.warn(error));
  }
}
