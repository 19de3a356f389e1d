// Node-RED msg ↔ presence: what xmpp-in's presence output sends, and the presence, subscription
// and roster actions xmpp-out takes from msg.presence, msg.subscription and msg.roster.
import type { NodeMessage } from 'node-red';
import { XmppError } from '../core/errors';
import { bareOf, formatJid, parseJid } from '../core/jid';
import { isShow, type OwnPresence } from '../core/presence/presence-stanza';
import type { IncomingPresence } from '../core/presence/presence-stanza';
import type { XmppClient } from '../core/client';
import { words } from '../core/words';

export interface PresencePayload {
  available: boolean;
  show: string | undefined;
  status: string | undefined;
  priority: number;
}

export interface PresenceMsg extends NodeMessage {
  topic: string;
  from: string;
  to: string;
  payload: PresencePayload;
  xmpp: { type: IncomingPresence['type']; stanza: string };
}

export function presenceMsg(presence: IncomingPresence, ownJid: string): PresenceMsg {
  return {
    topic: bareOf(presence.from),
    from: presence.from,
    to: presence.to || ownJid,
    payload: {
      available: presence.type === 'available',
      show: presence.show,
      status: presence.status,
      priority: presence.priority,
    },
    xmpp: { type: presence.type, stanza: presence.stanza },
  };
}

export type PresenceAction =
  | { kind: 'presence'; presence: OwnPresence | 'unavailable'; to: string | undefined }
  | { kind: 'subscription'; action: 'subscribe' | 'unsubscribe' | 'approve' | 'deny'; to: string }
  | { kind: 'roster'; action: 'add' | 'remove'; to: string; name: string | undefined };

const SUBSCRIPTION_ACTIONS = ['subscribe', 'unsubscribe', 'approve', 'deny'] as const;
const ROSTER_ACTIONS = ['add', 'remove'] as const;

function recipient(msg: NodeMessage, fallback: string, required: boolean): string | undefined {
  const given = msg.to !== undefined && msg.to !== null && msg.to !== '' ? msg.to : fallback || undefined;
  if (given === undefined) {
    if (required) throw new XmppError('no-recipient');
    return undefined;
  }
  return formatJid(parseJid(given));
}

function readOwnPresence(value: unknown): OwnPresence | 'unavailable' {
  if (value === 'unavailable') return 'unavailable';
  if (value === 'available' || value === '' || value === true) return {};
  if (typeof value === 'string' && isShow(value)) return { show: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new XmppError('invalid-payload', words('presence-shape'));
  }
  const fields = value as Record<string, unknown>;
  if (fields.show === 'unavailable' || fields.available === false) return 'unavailable';
  if (fields.show !== undefined && fields.show !== '' && fields.show !== 'available' && !isShow(fields.show)) {
    throw new XmppError('invalid-payload', words('presence-show', { show: String(fields.show) }));
  }
  if (fields.status !== undefined && typeof fields.status !== 'string') throw new XmppError('invalid-payload', words('must-be-text', { field: 'msg.presence.status' }));
  const priority = fields.priority === undefined || fields.priority === '' ? undefined : Number(fields.priority);
  if (priority !== undefined && (!Number.isInteger(priority) || priority < -128 || priority > 127)) {
    throw new XmppError('invalid-payload', words('presence-priority'));
  }
  return { show: isShow(fields.show) ? fields.show : undefined, status: fields.status as string | undefined, priority };
}

/** The presence action a msg asks for, or undefined when it asks for none (it is a message). */
export function presenceAction(msg: NodeMessage, defaultTo: string): PresenceAction | undefined {
  if (msg.presence !== undefined) {
    // Without an explicit msg.to it is our presence for everyone; with one, directed presence.
    const to = msg.to !== undefined && msg.to !== null && msg.to !== '' ? recipient(msg, '', true) : undefined;
    return { kind: 'presence', presence: readOwnPresence(msg.presence), to };
  }
  if (msg.subscription !== undefined) {
    const action = msg.subscription;
    if (!(SUBSCRIPTION_ACTIONS as readonly unknown[]).includes(action)) {
      throw new XmppError('invalid-payload', words('subscription-action', { action: String(action) }));
    }
    return { kind: 'subscription', action: action as (typeof SUBSCRIPTION_ACTIONS)[number], to: bareOf(recipient(msg, defaultTo, true) ?? '') };
  }
  if (msg.roster !== undefined) {
    const action = msg.roster;
    if (!(ROSTER_ACTIONS as readonly unknown[]).includes(action)) throw new XmppError('invalid-payload', words('roster-action', { action: String(action) }));
    const name = typeof msg.name === 'string' && msg.name !== '' ? msg.name : undefined;
    return { kind: 'roster', action: action as 'add' | 'remove', to: bareOf(recipient(msg, defaultTo, true) ?? ''), name };
  }
  return undefined;
}

/** Carries out a presence action on the client. */
export function runPresenceAction(client: XmppClient, action: PresenceAction): Promise<void> {
  switch (action.kind) {
    case 'presence':
      return action.to ? client.presence.sendTo(action.to, action.presence) : client.presence.set(action.presence);
    case 'subscription':
      if (action.action === 'subscribe') return client.contacts.subscribe(action.to);
      if (action.action === 'unsubscribe') return client.contacts.unsubscribe(action.to);
      if (action.action === 'approve') return client.contacts.approve(action.to);
      return client.contacts.deny(action.to);
    case 'roster':
      return action.action === 'add' ? client.contacts.addToRoster(action.to, action.name) : client.contacts.removeFromRoster(action.to);
  }
}
