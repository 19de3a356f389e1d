// How we log in: our own SCRAM (SHA-256 when offered, else SHA-1: fast, and it checks the server),
// and PLAIN only over an encrypted stream or when the user chose no encryption at all.
import { XmppError } from '../errors';
import { NS_SASL } from '../namespaces';
import { SCRAM_SHA_1, SCRAM_SHA_256, Scram, ScramError, ScramSha1, ScramSha256, type SaltedPasswordCache } from './scram';
import type { Security } from './server-address';
import type { Client, XmlElement } from '../xmpp-lib';


type Authenticate = (credentials: { username: string; password: string }, mechanism: string) => Promise<void>;

/** What xmpp.js calls (as `credentials`) to pick a mechanism and log in. */
export type LoginFunction = (authenticate: Authenticate, mechanisms: string[], fast: unknown, entity: Client) => Promise<void>;

interface MechanismFactory {
  _mechs: Array<{ name: string; mech: new () => unknown }>;
}

export function chooseMechanism(offered: readonly string[], secure: boolean, security: Security): string {
  if (offered.includes(SCRAM_SHA_256)) return SCRAM_SHA_256;
  if (offered.includes(SCRAM_SHA_1)) return SCRAM_SHA_1;
  if (offered.includes('PLAIN') && (secure || security === 'none')) return 'PLAIN';
  throw new XmppError('no-mechanism', offered.join(', ') || 'none');
}

/** `chose` hears the mechanism picked for this login (for the status and the log). */
export function loginFunction(username: string, password: string, security: Security, chose: (mechanism: string) => void): LoginFunction {
  return async (authenticate, mechanisms, _fast, entity) => {
    const mechanism = chooseMechanism(mechanisms, entity.isSecure(), security);
    chose(mechanism);
    await authenticate({ username, password }, mechanism);
  };
}

/**
 * Puts our SCRAM-SHA-256 and SCRAM-SHA-1 in place of xmpp.js's and checks the server's final signature when
 * <success/> arrives. `fail` ends the attempt when the server cannot prove itself.
 */
export function installScram(client: Client & { saslFactory?: unknown }, cache: SaltedPasswordCache, fail: (error: XmppError) => void): void {
  const factory = client.saslFactory as MechanismFactory | undefined;
  if (!factory || !Array.isArray(factory._mechs)) return; // an xmpp.js we do not know: keep its own
  let current: Scram | undefined;
  class SessionScram1 extends ScramSha1 {
    constructor() {
      super(cache);
      current = this;
    }
  }
  class SessionScram256 extends ScramSha256 {
    constructor() {
      super(cache);
      current = this;
    }
  }
  const ours = new Set([SCRAM_SHA_1, SCRAM_SHA_256]);
  factory._mechs = [{ name: SCRAM_SHA_256, mech: SessionScram256 }, { name: SCRAM_SHA_1, mech: SessionScram1 }, ...factory._mechs.filter((entry) => !ours.has(entry.name))];

  // Prepended: runs before xmpp.js treats <success/> as done.
  client.prependListener('element', (element: XmlElement) => {
    if (!element.is('success', NS_SASL) || !current) return;
    const scram = current;
    current = undefined;
    if (scram.verified) return;
    try {
      scram.verify(Buffer.from(element.getText(), 'base64').toString('utf8'));
    } catch (error) {
      element.name = 'failure'; // keep xmpp.js from going on with the login
      element.children = [];
      fail(new XmppError('not-authorized', error instanceof ScramError ? error.message : 'SCRAM'));
    }
  });
}
