// How we log in: our own SCRAM (the strongest hash offered, bound to the TLS connection when the
// server offers -PLUS and we agree on a binding type), and PLAIN only over an encrypted stream
// or when the user chose no encryption at all.
import { XmppError } from '../errors';
import { NS_SASL, NS_SASL_CB, NS_STREAM } from '../namespaces';
import { channelBinding, tlsSocketOf, type ChannelBinding } from './channel-binding';
import { SCRAM_MECHANISMS, Scram, ScramError, scramHash, type Announced, type SaltedPasswordCache, type ScramOptions } from './scram';
import type { Security } from './server-address';
import type { Client, XmlElement } from '../xmpp-lib';

type Authenticate = (credentials: { username: string; password: string }, mechanism: string) => Promise<void>;

/** What xmpp.js calls (as `credentials`) to pick a mechanism and log in. */
export type LoginFunction = (authenticate: Authenticate, mechanisms: string[], fast: unknown, entity: Client) => Promise<void>;

interface MechanismFactory {
  _mechs: Array<{ name: string; mech: new () => unknown }>;
}

/** The login of one connection: what the server announced, what we chose, the exchange under way. */
export class LoginState {
  announced: Announced = { mechanisms: [] };
  options: ScramOptions | undefined;
  current: Scram | undefined;
}

/** The mechanism we use among those offered: SCRAM, strongest first (-PLUS only when we can bind), then PLAIN where allowed. */
export function chooseMechanism(offered: readonly string[], secure: boolean, security: Security, canBind = false): string {
  const scram = SCRAM_MECHANISMS.find((name) => offered.includes(name) && (canBind || !name.endsWith('-PLUS')));
  if (scram) return scram;
  if (offered.includes('PLAIN') && (secure || security === 'none')) return 'PLAIN';
  throw new XmppError('no-mechanism', offered.join(', ') || 'none');
}

/** Reads the server's announcement from its stream features (the mechanisms, and XEP-0440's binding types). */
export function announcedIn(features: XmlElement): Announced | undefined {
  const mechanisms = features.getChild('mechanisms', NS_SASL);
  if (!mechanisms) return undefined;
  const bindings = features.getChild('sasl-channel-binding', NS_SASL_CB);
  return {
    mechanisms: mechanisms.getChildren('mechanism').map((m) => m.getText().trim()),
    channelBindings: bindings ? bindings.getChildren('channel-binding').map((b) => b.attrs.type ?? '') : undefined,
  };
}

/** `chose` hears the mechanism picked for this login (for the status and the log). */
export function loginFunction(username: string, password: string, security: Security, state: LoginState, chose: (mechanism: string) => void): LoginFunction {
  return async (authenticate, _supported, _fast, entity) => {
    const { announced } = state;
    const socket = tlsSocketOf(entity.socket);
    const binding: ChannelBinding | undefined = socket ? channelBinding(socket, announced.channelBindings) : undefined;
    const mechanism = chooseMechanism(announced.mechanisms, entity.isSecure(), security, binding !== undefined);
    const hash = scramHash(mechanism);
    const plus = mechanism.endsWith('-PLUS');
    state.options = hash ? { hash, binding: plus ? binding : undefined, couldBind: !plus && binding !== undefined && !announced.mechanisms.some((m) => m.endsWith('-PLUS')), announced } : undefined;
    chose(plus && binding ? `${mechanism} (${binding.type})` : mechanism);
    await authenticate({ username, password }, mechanism);
  };
}

/**
 * Puts our SCRAM mechanisms in place of xmpp.js's, remembers what the server announced, and
 * checks the server's final signature when <success/> arrives. `fail` ends the attempt when the
 * server cannot prove itself.
 */
export function installScram(client: Client & { saslFactory?: unknown }, cache: SaltedPasswordCache, state: LoginState, fail: (error: XmppError) => void): void {
  const factory = client.saslFactory as MechanismFactory | undefined;
  if (!factory || !Array.isArray(factory._mechs)) return; // an xmpp.js we do not know: keep its own
  const ours = SCRAM_MECHANISMS.map((name) => ({
    name,
    mech: class SessionScram extends Scram {
      constructor() {
        super(cache, state.options ?? { hash: scramHash(name) ?? 'sha1' });
        state.current = this;
      }
    },
  }));
  factory._mechs = [...ours, ...factory._mechs.filter((entry) => !SCRAM_MECHANISMS.includes(entry.name))];

  // Prepended: runs before xmpp.js acts on the features, and before it treats <success/> as done.
  client.prependListener('element', (element: XmlElement) => {
    if (element.is('features', NS_STREAM)) {
      const announced = announcedIn(element);
      if (announced) state.announced = announced;
      return;
    }
    if (!element.is('success', NS_SASL) || !state.current) return;
    const scram = state.current;
    state.current = undefined;
    if (scram.verified) return;
    try {
      scram.verify(Buffer.from(element.getText(), 'base64').toString('utf8'));
    } catch (error) {
      element.name = 'failure'; // keep xmpp.js from going on with the login
      element.children = [];
      fail(new XmppError('not-authorized', error instanceof ScramError ? error.words : 'SCRAM'));
    }
  });
}
