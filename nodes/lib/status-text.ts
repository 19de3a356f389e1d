// A session's status as the small text under every node that uses the connection.
import type { NodeStatus } from 'node-red';
import type { XmppError } from '../core/errors';
import type { SessionStatus } from '../core/session/session';
import { UnreachableError } from '../core/session/tried-addresses';
import type { Words } from '../core/words';

export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

const SHORT = 32;

/** A text cut to what fits under a node on the canvas. */
export function shorten(text: string): string {
  return text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text;
}

/** The bare JID, shortened for the canvas. */
export function shortJid(jid: string): string {
  const slash = jid.indexOf('/');
  return shorten(slash === -1 ? jid : jid.slice(0, slash));
}

/** Words from the core in the user's language (xmpp-config.detail.<key>), words within words too. */
export function wordsText(t: Translate, words: Words): string {
  const data: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(words.data)) data[name] = typeof value === 'object' ? wordsText(t, value) : value;
  return t(`xmpp-config.detail.${words.key}`, data);
}

/** An error's detail for the user: its words translated, else its data as it is. */
export function detailText(t: Translate, error: { readonly detail: string; readonly words?: Words | undefined }): string {
  return error.words ? wordsText(t, error.words) : error.detail;
}

export function reasonText(t: Translate, error: XmppError): string {
  return t(`xmpp-config.reason.${error.code}`, { detail: detailText(t, error) });
}

/** Every address tried and how it failed, in the user's words ("[::1]:5222 refused, 127.0.0.1:5222 timed out"); empty when none was. */
export function triedText(t: Translate, error: XmppError): string {
  if (!(error instanceof UnreachableError)) return '';
  return error.tried.map((entry) => t('xmpp-config.tried.entry', { address: entry.address, outcome: t(`xmpp-config.tried.${entry.outcome}`, { code: entry.code }) })).join(', ');
}

/** For the log: the reason, and the addresses tried when there were any. */
export function logText(t: Translate, error: XmppError): string {
  const tried = triedText(t, error);
  return tried ? t('xmpp-config.log.tried', { reason: reasonText(t, error), tried }) : reasonText(t, error);
}

export function statusFor(t: Translate, status: SessionStatus): NodeStatus {
  switch (status.state) {
    case 'idle':
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: t('xmpp-config.status.connecting') };
    case 'online':
      return { fill: 'green', shape: 'dot', text: shortJid(status.jid) };
    case 'retrying':
      return {
        fill: 'red',
        shape: 'ring',
        text: t('xmpp-config.status.retrying', {
          reason: status.error ? reasonText(t, status.error) : t('xmpp-config.status.disconnected'),
          seconds: Math.max(1, Math.round((status.retryInMs ?? 0) / 1000)),
          attempt: status.attempt ?? 1,
        }),
      };
    case 'failed':
      return { fill: 'red', shape: 'ring', text: status.error ? reasonText(t, status.error) : t('xmpp-config.status.disconnected') };
    case 'stopped':
      return { fill: 'red', shape: 'ring', text: t('xmpp-config.status.disconnected') };
  }
}
