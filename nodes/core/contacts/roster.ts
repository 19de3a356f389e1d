// The contact list (RFC 6121 2): fetched at login, kept current by the server's roster pushes.
import { bareOf } from '../jid';
import { NS_ROSTER } from '../namespaces';
import { cleanXmlText } from '../xml-text';
import type { XmlElement, XmlFactory } from '../xmpp-lib';


export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  jid: string;
  name: string | undefined;
  subscription: Subscription;
  /** True while our subscription request waits for an answer. */
  pending: boolean;
  groups: string[];
}

const SUBSCRIPTIONS: readonly string[] = ['none', 'to', 'from', 'both'];

function readItem(el: XmlElement): RosterItem | 'remove' | undefined {
  const jid = el.attrs.jid;
  if (!jid) return undefined;
  if (el.attrs.subscription === 'remove') return 'remove';
  const subscription = SUBSCRIPTIONS.includes(el.attrs.subscription ?? '') ? (el.attrs.subscription as Subscription) : 'none';
  return {
    jid: bareOf(jid),
    name: el.attrs.name,
    subscription,
    pending: el.attrs.ask === 'subscribe',
    groups: el.getChildren('group').map((g) => g.getText()),
  };
}

export class Roster {
  private readonly items = new Map<string, RosterItem>();

  get(jid: string): RosterItem | undefined {
    return this.items.get(bareOf(jid));
  }

  all(): RosterItem[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Replaces the whole roster with the result of a roster get. */
  load(query: XmlElement | undefined): void {
    this.items.clear();
    for (const el of query?.getChildren('item') ?? []) {
      const item = readItem(el);
      if (item && item !== 'remove') this.items.set(item.jid, item);
    }
  }

  /** Applies a roster push; returns the item (or the removed JID) it changed. */
  push(query: XmlElement | undefined): RosterItem | { jid: string; removed: true } | undefined {
    const el = query?.getChild('item');
    if (!el) return undefined;
    const item = readItem(el);
    if (item === 'remove') {
      const jid = bareOf(el.attrs.jid ?? '');
      this.items.delete(jid);
      return { jid, removed: true };
    }
    if (item) this.items.set(item.jid, item);
    return item;
  }
}

export function rosterGet(xml: XmlFactory): XmlElement {
  return xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER }));
}

export function rosterSet(xml: XmlFactory, jid: string, change: { remove: true } | { name?: string | undefined; groups?: string[] | undefined }): XmlElement {
  const attrs: Record<string, string | undefined> = { jid };
  if ('remove' in change) attrs.subscription = 'remove';
  // Names and groups are the user's free text: characters XML cannot carry are left out.
  else attrs.name = change.name === undefined ? undefined : cleanXmlText(change.name);
  const groups = 'remove' in change ? [] : (change.groups ?? []).map(cleanXmlText);
  return xml('iq', { type: 'set' }, xml('query', { xmlns: NS_ROSTER }, xml('item', attrs, ...groups.map((g) => xml('group', {}, g)))));
}
