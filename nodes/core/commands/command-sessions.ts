// The sessions of served commands: each belongs to the full JID that started it and one command,
// holds the forms shown so far (for 'prev' and for typing what comes back), is bounded per
// caller and in total, and expires after a quiet spell. An expired id is remembered a while
// longer, so that its caller hears "expired" rather than "unknown".
import { randomBytes } from 'node:crypto';
import { bareKey } from '../caller-access';
import type { DataForm } from '../forms/form-types';

export interface SessionLimits {
  /** Open sessions at once from one bare JID. */
  perCaller: number;
  /** Open sessions at once from everyone. */
  total: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { perCaller: 20, total: 200 };

/** How long a session waits for its caller's next step, unless its command says otherwise. */
export const DEFAULT_SESSION_TTL_MS = 10 * 60_000;

/** A form shown, and whether it was the last stage (its default action is complete). */
export interface ShownForm {
  form: DataForm;
  last: boolean;
}

export interface CommandSession {
  readonly id: string;
  /** The full JID that started it: nobody else may continue it. */
  readonly owner: string;
  readonly node: string;
  /** The forms shown, oldest first; the last is what the next submission answers. */
  readonly forms: ShownForm[];
  readonly ttlMs: number;
  /** True while the flow works on a step (a second step meanwhile is refused). */
  busy: boolean;
  expiresAt: number;
}

export type SessionLookup = { session: CommandSession } | { problem: 'unknown' | 'expired' };

export class CommandSessions {
  private readonly open = new Map<string, CommandSession>();
  private readonly expired = new Map<string, number>();

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for `owner`, or undefined when a bound refuses it. */
  start(owner: string, node: string, ttlMs = DEFAULT_SESSION_TTL_MS): CommandSession | undefined {
    this.sweep();
    const caller = bareKey(owner);
    if (this.open.size >= this.limits.total) return undefined;
    let mine = 0;
    for (const session of this.open.values()) if (bareKey(session.owner) === caller) mine += 1;
    if (mine >= this.limits.perCaller) return undefined;
    const session: CommandSession = { id: randomBytes(9).toString('base64url'), owner, node, forms: [], ttlMs, busy: false, expiresAt: this.now() + ttlMs };
    this.open.set(session.id, session);
    return session;
  }

  /** The session `from` continues on `node`; another caller's id or command counts as unknown. */
  find(id: string, from: string, node: string): SessionLookup {
    const session = this.open.get(id);
    if (session && session.expiresAt <= this.now()) {
      this.end(session);
      this.expired.set(id, this.now() + session.ttlMs);
    }
    const forgetAt = this.expired.get(id);
    if (forgetAt !== undefined && forgetAt > this.now()) return { problem: 'expired' };
    if (!session || session.owner !== from || session.node !== node) return { problem: 'unknown' };
    return { session };
  }

  /** The caller took a step: the session's clock starts again. */
  touch(session: CommandSession): void {
    session.expiresAt = this.now() + session.ttlMs;
  }

  end(session: CommandSession): void {
    if (this.open.get(session.id) === session) this.open.delete(session.id);
  }

  /** Ends every session of one command (its node was removed). */
  endAll(node: string): void {
    for (const session of [...this.open.values()]) if (session.node === node) this.end(session);
  }

  get size(): number {
    return this.open.size;
  }

  /** Expired sessions move to the remembered ids, each forgotten a ttl later. */
  private sweep(): void {
    const now = this.now();
    for (const session of [...this.open.values()]) {
      if (session.expiresAt > now) continue;
      this.end(session);
      this.expired.set(session.id, now + session.ttlMs);
    }
    for (const [id, forgetAt] of this.expired) if (forgetAt <= now) this.expired.delete(id);
  }
}
