// The settings of a node that answers others (iq-rpc serve, disco-query answer): who may ask
// (listed JIDs and domains, or anyone: nobody unless chosen) and how many answers may wait for
// the flow at once, per asker and in total.
import { ACCESS_MODES, letsNobodyIn, type AccessMode, type CallerAccess } from '../core/caller-access';
import { DEFAULT_PENDING_LIMITS, type PendingLimits } from '../core/pending-limit';
import { listOf, positiveNumber } from './msg-fields';

/** The node's fields as the editor stores them (missing in flows made before they existed). */
export interface ServingFields {
  /** 'listed' (the default) or 'anyone'. */
  access?: unknown;
  /** Comma separated bare JIDs or domains. */
  callers?: unknown;
  maxPerCaller?: unknown;
  maxPending?: unknown;
}

export interface Serving {
  access: CallerAccess;
  limits: PendingLimits;
  /** Listed access with an empty list: every asker is refused (the node says so). */
  nobody: boolean;
}

function whole(value: unknown, fallback: number): number {
  const n = positiveNumber(value);
  return n === undefined ? fallback : Math.max(1, Math.floor(n));
}

/** Reads the fields; anything but an explicit 'anyone' is the list, and an empty list lets nobody in. */
export function readServing(fields: ServingFields): Serving {
  const mode: AccessMode = (ACCESS_MODES as readonly unknown[]).includes(fields.access) ? (fields.access as AccessMode) : 'listed';
  const access: CallerAccess = { mode, callers: listOf(fields.callers) };
  const limits: PendingLimits = {
    perCaller: whole(fields.maxPerCaller, DEFAULT_PENDING_LIMITS.perCaller),
    total: whole(fields.maxPending, DEFAULT_PENDING_LIMITS.total),
  };
  return { access, limits, nobody: letsNobodyIn(access) };
}
