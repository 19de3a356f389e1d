// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677) with Node's own PBKDF2: a login against a server's default 10,000
// rounds costs milliseconds instead of the second xmpp.js's WebCrypto loop takes, runs off the
// event loop, and an abandoned login leaves no work behind. It also checks the server's
// signature, so a server that does not know the password cannot pretend to.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { XmppError } from '../errors';

export const SCRAM_SHA_1 = 'SCRAM-SHA-1';
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

type ScramHash = 'sha1' | 'sha256';
const KEY_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32 };

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
  constructor(message: string) {
    super(message);
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
  /** True once the server proved it knows the password (its v= matched). */
  verified = false;

  constructor(
    private readonly cache: SaltedPasswordCache,
    private readonly clientNonce: string = randomBytes(18).toString('base64'),
    private readonly hash: ScramHash = 'sha1',
  ) {
    this.name = hash === 'sha256' ? SCRAM_SHA_256 : SCRAM_SHA_1;
  }

  async response(credentials: Credentials): Promise<string> {
    if (this.stage === 'initial') {
      this.clientFirstBare = `n=${saslName(credentials.username ?? '')},r=${this.clientNonce}`;
      this.stage = 'challenge';
      return `n,,${this.clientFirstBare}`;
    }
    if (this.stage === 'challenge') {
      const values = attributes(this.serverFirst);
      const nonce = values.get('r') ?? '';
      const salt = Buffer.from(values.get('s') ?? '', 'base64');
      const iterations = Number(values.get('i'));
      if (!nonce.startsWith(this.clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
        throw new ScramError('malformed server challenge');
      }
      if (iterations > MAX_SCRAM_ITERATIONS) {
        throw new XmppError('scram-iterations', `${iterations} rounds, limit ${MAX_SCRAM_ITERATIONS}`);
      }
      const withoutProof = `c=biws,r=${nonce}`;
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
    if (values.has('e')) throw new ScramError(`server error ${values.get('e')}`);
    const given = Buffer.from(values.get('v') ?? '', 'base64');
    const expected = this.expectedServerSignature;
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ScramError('the server could not prove it knows the password');
    }
    this.verified = true;
  }
}

export class ScramSha1 extends Scram {
  constructor(cache: SaltedPasswordCache, clientNonce?: string) {
    super(cache, clientNonce, 'sha1');
  }
}

export class ScramSha256 extends Scram {
  constructor(cache: SaltedPasswordCache, clientNonce?: string) {
    super(cache, clientNonce, 'sha256');
  }
}
