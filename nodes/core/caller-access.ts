// Who may use what the flow serves to others (RPC methods, disco nodes): the listed bare JIDs and
// domains, or anyone. Nobody is the default: "anyone" must be chosen, never implied by an empty list.

export const ACCESS_MODES = ['listed', 'anyone'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface CallerAccess {
  mode: AccessMode;
  /** Bare JIDs (alice@example.org) and domains (example.org); read only in mode 'listed'. */
  callers: readonly string[];
}

/** Lets nobody in: what an empty list means. */
export const NOBODY: CallerAccess = { mode: 'listed', callers: [] };

/** The bare JID of a full JID as the server gave it, lowercased for comparison. */
export function bareKey(from: string): string {
  return (from.split('/')[0] ?? '').toLowerCase();
}

/** Whether `from` (a full JID set by the server) may call: listed by bare JID or domain, or anyone. */
export function callerAllowed(from: string, access: CallerAccess): boolean {
  if (access.mode === 'anyone') return true;
  const bare = bareKey(from);
  if (bare === '') return false;
  const domain = bare.includes('@') ? bare.slice(bare.indexOf('@') + 1) : bare;
  return access.callers.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted !== '' && (wanted === bare || wanted === domain);
  });
}

/** True when the access lets nobody in (listed, with an empty list). */
export function letsNobodyIn(access: CallerAccess): boolean {
  return access.mode === 'listed' && !access.callers.some((entry) => entry.trim() !== '');
}
