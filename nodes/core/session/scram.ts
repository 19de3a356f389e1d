// SCRAM-SHA-1 (RFC 5802), SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-512, each also as -PLUS with
// channel binding (channel-binding.ts), with Node's own PBKDF2: a login against a server's default 10,000
// rounds costs milliseconds instead of the second xmpp.js's WebCrypto loop takes, runs off the
// event loop, and an abandoned login leaves no work behind. It also checks the server's
// signature, so a server that does not know the password cannot pretend to.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { XmppError } from '../errors';
import type { ChannelBinding } from './channel-binding';
import { detailCode, words, type Words } from '../words';

export const SCRAM_SHA_1 = 'SCRAM-SHA-1';
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
export const SCRAM_SHA_512 = 'SCRAM-SHA-512';

export type ScramHash = 'sha1' | 'sha256' | 'sha512';
const KEY_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32, sha512: 64 };
const NAMES: Record<ScramHash, string> = { sha1: SCRAM_SHA_1, sha256: SCRAM_SHA_256, sha512: SCRAM_SHA_512 };

/** Every SCRAM mechanism we speak, strongest first: with channel binding, then without. */
export const SCRAM_MECHANISMS: readonly string[] = [`${SCRAM_SHA_512}-PLUS`, `${SCRAM_SHA_256}-PLUS`, `${SCRAM_SHA_1}-PLUS`, SCRAM_SHA_512, SCRAM_SHA_256, SCRAM_SHA_1];

/** The hash of a SCRAM mechanism name (with or without -PLUS), or undefined for anything else. */
export function scramHash(mechanism: string): ScramHash | undefined {
  const base = mechanism.replace(/-PLUS$/, '');
  return (Object.keys(NAMES) as ScramHash[]).find((hash) => NAMES[hash] === base);
}

/** What the server announced before the login, for XEP-0474's check. */
export interface Announced {
  mechanisms: readonly string[];
  /** The types of its <sasl-channel-binding/> feature (XEP-0440), if it sent one. */
  channelBindings?: readonly string[] | undefined;
}

/**
 * XEP-0474 (SASL SCRAM downgrade protection): the hash a server puts in `h=` over what it
 * announced: mechanisms sorted and joined by 0x1E, then 0x1F and the channel-binding types the
 * same way when it announced any (XEP-0440).
 */
export function downgradeHash(hash: ScramHash, announced: Announced): string {
  const sorted = (list: readonly string[]): string => [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join('\x1e');
  let text = sorted(announced.mechanisms);
  if (announced.channelBindings) text += `\x1f${sorted(announced.channelBindings)}`;
  return createHash(hash).update(text, 'utf8').digest('base64');
}

export interface ScramOptions {
  hash: ScramHash;
  /** Our nonce (random unless a test fixes it). */
  nonce?: string | undefined;
  /** -PLUS: this connection's channel binding. */
  binding?: ChannelBinding | undefined;
  /**
   * Without binding: true when we could bind but the server offered no -PLUS (gs2 flag "y":
   * a server that does support binding then fails the login, RFC 5802 section 6).
   */
  couldBind?: boolean | undefined;
  /** What the server announced, to check its XEP-0474 hash when it sends one. */
  announced?: Announced | undefined;
}

/**
 * The most PBKDF2 rounds we compute for a server. Servers use 4,096 to 10,000 (RFC 7677 asks
 * for at least 4,096); a million takes about a second here. PBKDF2 cannot be cancelled once
 * started, so a server asking for two billion would hold a core for half an hour.
 */
export const MAX_SCRAM_ITERATIONS = 1_000_000;

/** Salted passwords by hash, salt and iteration count, so a reconnect does not compute them again. */
export type SaltedPasswordCache = Map<string, Buffer>;

interface Credentials {
  username?: string | null;
  password?: string | null;
}

function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(message: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) result.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return result;
}

function hmac(hash: ScramHash, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest();
}

function saltedPassword(cache: SaltedPasswordCache, hash: ScramHash, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const key = `${hash}:${salt.toString('base64')}:${iterations}`;
  const cached = cache.get(key);
  if (cached) return Promise.resolve(cached);
  return new Promise((resolve, reject) => {
    pbkdf2(password.normalize('NFKC'), salt, iterations, KEY_BYTES[hash], hash, (error, derived) => {
      if (error) {
        reject(error);
        return;
      }
      cache.set(key, derived);
      resolve(derived);
    });
  });
}

export class ScramError extends Error {
  constructor(readonly words: Words) {
    super(detailCode(words));
    this.name = 'ScramError';
  }
}

/** The client side of one SCRAM exchange, in the shape the `saslmechanisms` factory expects. */
export class Scram {
  readonly name: string;
  readonly clientFirst = true;
  private stage: 'initial' | 'challenge' | 'final' = 'initial';
  private clientFirstBare = '';
  private serverFirst = '';
  private expectedServerSignature: Buffer | undefined;
  private readonly clientNonce: string;
  private readonly hash: ScramHash;
  private readonly gs2Header: string;
  /** True once the server proved it knows the password (its v= matched). */
  verified = false;

  constructor(
    private readonly cache: SaltedPasswordCache,
    private readonly options: ScramOptions,
  ) {
    this.hash = options.hash;
    this.clientNonce = options.nonce ?? randomBytes(18).toString('base64');
    this.name = NAMES[options.hash] + (options.binding ? '-PLUS' : '');
    this.gs2Header = options.binding ? `p=${options.binding.type},,` : options.couldBind ? 'y,,' : 'n,,';
  }

  async response(credentials: Credentials): Promise<string> {
    if (this.stage === 'initial') {
      this.clientFirstBare = `n=${saslName(credentials.username ?? '')},r=${this.clientNonce}`;
      this.stage = 'challenge';
      return this.gs2Header + this.clientFirstBare;
    }
    if (this.stage === 'challenge') {
      const values = attributes(this.serverFirst);
      const nonce = values.get('r') ?? '';
      const salt = Buffer.from(values.get('s') ?? '', 'base64');
      const iterations = Number(values.get('i'));
      if (!nonce.startsWith(this.clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
        throw new ScramError(words('scram-malformed'));
      }
      if (iterations > MAX_SCRAM_ITERATIONS) {
        throw new XmppError('scram-iterations', words('scram-rounds', { rounds: iterations, limit: MAX_SCRAM_ITERATIONS }));
      }
      const announcedHash = values.get('h');
      if (announcedHash !== undefined && this.options.announced && announcedHash !== downgradeHash(this.hash, this.options.announced)) {
        throw new XmppError('sasl-downgrade', words('sasl-downgrade'));
      }
      const binding = this.options.binding?.data ?? Buffer.alloc(0);
      const withoutProof = `c=${Buffer.concat([Buffer.from(this.gs2Header, 'utf8'), binding]).toString('base64')},r=${nonce}`;
      const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
      const h = this.hash;
      const salted = await saltedPassword(this.cache, h, credentials.password ?? '', salt, iterations);
      const clientKey = hmac(h, salted, 'Client Key');
      const storedKey = createHash(h).update(clientKey).digest();
      const signature = hmac(h, storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
      this.expectedServerSignature = hmac(h, hmac(h, salted, 'Server Key'), authMessage);
      this.stage = 'final';
      return `${withoutProof},p=${proof.toString('base64')}`;
    }
    return '';
  }

  /** Takes the server-first message, or (some servers) the server-final one as a challenge. */
  challenge(message: string): this {
    if (this.stage === 'final') this.verify(message);
    else this.serverFirst = message;
    return this;
  }

  /** Checks the server-final message (v=…); throws when the server's signature is wrong. */
  verify(serverFinal: string): void {
    const values = attributes(serverFinal);
    if (values.has('e')) throw new ScramError(words('scram-server-error', { error: values.get('e') ?? '' }));
    const given = Buffer.from(values.get('v') ?? '', 'base64');
    const expected = this.expectedServerSignature;
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ScramError(words('scram-unproven'));
    }
    this.verified = true;
  }
}

export class ScramSha1 extends Scram {
  constructor(cache: SaltedPasswordCache, nonce?: string) {
    super(cache, { hash: 'sha1', nonce });
  }
}

export class ScramSha256 extends Scram {
  constructor(cache: SaltedPasswordCache, nonce?: string) {
    super(cache, { hash: 'sha256', nonce });
  }
}

export class ScramSha512 extends Scram {
  constructor(cache: SaltedPasswordCache, nonce?: string) {
    super(cache, { hash: 'sha512', nonce });
  }
}
