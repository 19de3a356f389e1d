// One trial login with settings that are not (yet) those of a running connection: log in once,
// say how (full JID, SASL mechanism, TLS version) or why not (a named failure, with the
// certificate's fingerprint when it was not trusted), log out. No retry, no presence, no roster.
import { words } from '../words';
import { XmppError } from '../errors';
import { IqResponder } from '../iq/iq-responder';
import { xmppLib } from '../xmpp-lib';
import { probeFingerprint, type ProbeTarget } from './certificate-probe';
import { Dispatcher } from './dispatcher';
import { dnsAccess } from './dns-lookup';
import { findServer } from './server-address';
import { Session, type SessionOptions, type SessionStatus } from './session';

export type LoginSettings = Omit<SessionOptions, 'dispatcher' | 'responder'>;

export type LoginCheck =
  | { ok: true; jid: string; mechanism: string | undefined; tls: string | undefined }
  | { ok: false; error: XmppError; fingerprint?: string | undefined };

export const DEFAULT_CHECK_MS = 20_000;

/** Logs in once and out again; settles within `timeoutMs` whatever the server does. */
export async function checkLogin(settings: LoginSettings, timeoutMs = DEFAULT_CHECK_MS): Promise<LoginCheck> {
  const deadline = Date.now() + timeoutMs;
  const ignore = (): void => undefined;
  // Some time is kept for logging out and, after an untrusted certificate, for reading it.
  const session = new Session({ ...settings, connectTimeoutMs: Math.max(1000, timeoutMs - 4000), dispatcher: new Dispatcher(ignore), responder: new IqResponder(xmppLib().xml, ignore) });
  const outcome = await new Promise<SessionStatus | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(1000, timeoutMs - 3000));
    session.onStatus((status) => {
      if (status.state === 'online' || ((status.state === 'retrying' || status.state === 'failed') && status.error)) {
        clearTimeout(timer);
        resolve(status);
      }
    });
    session.start();
  });
  await session.stop(1500);
  if (outcome?.state === 'online') return { ok: true, jid: outcome.jid, mechanism: outcome.mechanism, tls: outcome.tls };
  const error = outcome?.error ?? new XmppError('connection-timeout', words('no-login-within', { seconds: Math.round(timeoutMs / 1000) }));
  if (error.code !== 'tls-untrusted') return { ok: false, error };
  const remaining = deadline - Date.now();
  const target = remaining > 500 ? await probeTarget(settings) : undefined;
  return { ok: false, error, fingerprint: target ? await probeFingerprint(target, Math.min(5000, remaining)) : undefined };
}

/** Where the certificate was shown: the WebSocket URL given, else the first server the session would try. */
async function probeTarget(settings: LoginSettings): Promise<ProbeTarget | undefined> {
  const dns = dnsAccess(settings.dnsServers);
  if (settings.websocket) {
    const url = settings.websocket.url ? new URL(settings.websocket.url) : undefined;
    if (!url || url.protocol !== 'wss:') return undefined;
    return { host: url.hostname, port: Number(url.port || 443), directTls: true, domain: url.hostname, lookup: dns.lookup };
  }
  try {
    const [first] = await findServer(settings.jid.domain, settings.security, { host: settings.host, port: settings.port, srv: dns.srv });
    return first ? { ...first, domain: settings.jid.domain, lookup: dns.lookup } : undefined;
  } catch {
    return undefined;
  }
}
