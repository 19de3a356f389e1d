// The Test connection button's answer: the dialog's fields (not the deployed ones), read the way
// a deployed connection reads them, one trial login, and the outcome in the user's words.
import { XmppError } from '../core/errors';
import { bareOf, defaultResource } from '../core/jid';
import { checkLogin, type LoginCheck } from '../core/session/login-check';
import { readSessionOptions, type XmppConfigDef } from './config-options';
import { logText, type Translate } from './status-text';

/** The fields of the dialog the trial login uses (the rest are about presence and delivery). */
const FIELDS = ['jid', 'host', 'port', 'security', 'transport', 'wsUrl', 'trust', 'ca', 'pin', 'maxStanzaKB'] as const;

/** Node-RED's stand-in for a password the editor was never sent: the stored one is meant. */
export const PASSWORD_PLACEHOLDER = '__PWRD__';

export interface CheckRequest {
  /** The config node's id: whose stored password the placeholder stands for. */
  id: string;
  def: XmppConfigDef;
  /** As typed, or the placeholder. */
  password: string;
}

export interface CheckAnswer {
  ok: boolean;
  /** 'connected', or the core's error code ('not-authorized', 'tls-untrusted' …). */
  code: string;
  /** What the dialog shows. */
  text: string;
  jid?: string;
  mechanism?: string;
  tls?: string;
  /** With 'tls-untrusted': the certificate's SHA-256 fingerprint, to pin if the user trusts it. */
  fingerprint?: string;
}

/** Where a password would go with some settings: the account and the way to the server, and the trust on the way. */
export interface PasswordTarget {
  route: string;
  trust: string;
}

export function passwordTarget(def: Partial<XmppConfigDef>): PasswordTarget {
  const websocket = def.transport === 'websocket';
  const route = [bareOf((def.jid ?? '').trim()).toLowerCase(), websocket ? 'websocket' : 'tcp', websocket ? (def.wsUrl ?? '').trim() : (def.host ?? '').trim().toLowerCase(), websocket ? '' : (def.port ?? '').trim(), def.security || 'starttls'];
  const trust = def.trust === 'ca' || def.trust === 'pin' || def.trust === 'any' ? [def.trust, (def.ca ?? '').trim(), (def.pin ?? '').replace(/[^0-9a-fA-F]/g, '').toUpperCase()] : ['system'];
  return { route: JSON.stringify(route), trust: JSON.stringify(trust) };
}

/**
 * Whether a trial login may use the stored password: only towards where the deployed connection
 * sends it itself, trusting the same certificates or only the system's (which a test cannot weaken).
 */
export function mayUseStoredPassword(deployed: PasswordTarget, requested: PasswordTarget): boolean {
  return deployed.route === requested.route && (requested.trust === deployed.trust || requested.trust === JSON.stringify(['system']));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** The request body as the dialog posts it; undefined when it is not an object of fields. */
export function readCheckRequest(body: unknown): CheckRequest | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  const def: Record<string, string> = {};
  for (const field of FIELDS) def[field] = text(fields[field]);
  return { id: text(fields.id), password: text(fields.password), def: { id: text(fields.id), type: 'xmpp-config', name: '', z: '', ...def } as unknown as XmppConfigDef };
}

/** Tries the login and words the outcome; never throws, never repeats the password. */
export async function answerCheck(t: Translate, def: XmppConfigDef, password: string, timeoutMs?: number): Promise<CheckAnswer> {
  let outcome: LoginCheck;
  try {
    const options = readSessionOptions(def);
    // A resource of its own: the trial must not push a running connection of the same JID off (conflict).
    outcome = await checkLogin({ ...options, jid: { ...options.jid, resource: defaultResource() }, password }, timeoutMs);
  } catch (error) {
    outcome = { ok: false, error: error instanceof XmppError ? error : new XmppError('invalid-jid') };
  }
  return withoutSecret(worded(t, outcome), password);
}

function worded(t: Translate, outcome: LoginCheck): CheckAnswer {
  if (outcome.ok) {
    const mechanism = outcome.mechanism ?? '?';
    const tls = outcome.tls ?? t('xmpp-config.check.no-encryption');
    return { ok: true, code: 'connected', text: t('xmpp-config.check.connected', { jid: outcome.jid, mechanism, tls }), jid: outcome.jid, mechanism, tls: outcome.tls };
  }
  const { error, fingerprint } = outcome;
  const reason = logText(t, error);
  // The short reasons name the detail only where it is the point; here it helps (a system error code, a condition).
  const detail = error.detail && !reason.includes(error.detail) ? ` (${error.detail})` : '';
  const answer: CheckAnswer = { ok: false, code: error.code, text: t('xmpp-config.check.failed', { reason: `${reason}${detail}` }) };
  if (fingerprint) {
    answer.fingerprint = fingerprint;
    answer.text = `${answer.text} ${t('xmpp-config.check.fingerprint', { fingerprint })}`;
  }
  return answer;
}

// No text we build has the password in it; this makes sure of it for texts we did not build
// (a server's words). Very short passwords are left: masking every "a" would garble the text.
function withoutSecret(answer: CheckAnswer, password: string): CheckAnswer {
  if (password.length < 3 || !answer.text.includes(password)) return answer;
  return { ...answer, text: answer.text.split(password).join('***') };
}
