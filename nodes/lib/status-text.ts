// A session's status as the small text under every node that uses the connection.
import type { NodeStatus } from 'node-red';
import type { XmppError } from '../core/errors';
import type { SessionStatus } from '../core/session/session';

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

export function reasonText(t: Translate, error: XmppError): string {
  return t(`xmpp-config.reason.${error.code}`, { detail: error.detail });
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
