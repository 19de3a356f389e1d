// When a presence gate counts its recipient as absent, and why.
import type { ContactPresence } from '../core/contacts/presence-tracker';

export type AbsenceReason = 'offline' | 'dnd' | 'away' | 'xa' | 'not-subscribed';

/**
 * Why a contact counts as absent, or undefined when present: present means at least one
 * available resource whose best one (highest priority, then most available) has no blocked show.
 * Without any available resource the reason is 'offline' when we see its presence, else
 * 'not-subscribed' (we could not know).
 */
export function absenceOf(contact: ContactPresence, blocked: ReadonlySet<string>, subscribed: boolean): AbsenceReason | undefined {
  if (!contact.available || !contact.best) return subscribed ? 'offline' : 'not-subscribed';
  const show = contact.best.show;
  if ((show === 'dnd' || show === 'away' || show === 'xa') && blocked.has(show)) return show;
  return undefined;
}
