// Drives test/rig/omemo-oracle.py, a python-omemo device (oldmemo and twomemo backends, no XMPP), with
// one JSON command a line; converts bundles and <encrypted> contents between its base64 and our bytes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { EncryptedElement, OmemoVersion, PublicBundle } from '../../nodes/core/omemo/engine';

const PYTHON = '/usr/bin/python3';

interface Answer {
  error?: string;
  message?: string;
  [key: string]: unknown;
}

interface BundleJson {
  identityKey: string;
  signedPreKeyId: number;
  signedPreKey: string;
  signedPreKeySignature: string;
  preKeys: { id: number; key: string }[];
}

interface ElementJson {
  sender: number;
  iv?: string;
  payload?: string;
  keys: { jid: string; device: number; kex: boolean; data: string }[];
}

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export class PythonOmemoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

export class OmemoOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private stderr = '';
  private readonly pending: ((answer: Answer) => void)[] = [];
  deviceId = 0;

  constructor(readonly jid = 'python@oracle.test') {
    this.child = spawn(PYTHON, [join(__dirname, '..', '..', '..', 'test', 'rig', 'omemo-oracle.py'), jid]);
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.pending.shift()?.(JSON.parse(line) as Answer);
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.child.once('close', () => {
      for (const resolve of this.pending.splice(0)) resolve({ error: 'exited', message: this.stderr });
    });
  }

  private async call(command: Record<string, unknown>): Promise<Answer> {
    const answer = new Promise<Answer>((resolve) => this.pending.push(resolve));
    this.child.stdin.write(JSON.stringify(command) + '\n');
    return answer;
  }

  private async ok(command: Record<string, unknown>): Promise<Answer> {
    const answer = await this.call(command);
    if (answer.error) throw new PythonOmemoError(answer.error, answer.message ?? '');
    return answer;
  }

  async start(): Promise<void> {
    this.deviceId = (await this.ok({ op: 'hello' })).deviceId as number;
  }

  async bundle(version: OmemoVersion): Promise<PublicBundle> {
    const bundle = (await this.ok({ op: 'bundle', version })).bundle as BundleJson;
    return {
      identityKey: unb64(bundle.identityKey),
      signedPreKeyId: bundle.signedPreKeyId,
      signedPreKey: unb64(bundle.signedPreKey),
      signedPreKeySignature: unb64(bundle.signedPreKeySignature),
      preKeys: bundle.preKeys.map(({ id, key }) => ({ id, key: unb64(key) })),
    };
  }

  /** Gives python our bundle (its XML parser validates it); returns the Ed25519 identity it derived. */
  async learn(version: OmemoVersion, jid: string, device: number, bundle: PublicBundle): Promise<Uint8Array> {
    const json: BundleJson = {
      identityKey: b64(bundle.identityKey),
      signedPreKeyId: bundle.signedPreKeyId,
      signedPreKey: b64(bundle.signedPreKey),
      signedPreKeySignature: b64(bundle.signedPreKeySignature),
      preKeys: bundle.preKeys.map(({ id, key }) => ({ id, key: b64(key) })),
    };
    return unb64((await this.ok({ op: 'learn', version, jid, device, bundle: json })).identityEd25519 as string);
  }

  async encrypt(version: OmemoVersion, jid: string, device: number, plaintext: Uint8Array | undefined): Promise<EncryptedElement> {
    const element = (await this.ok({ op: 'encrypt', version, jid, device, plaintext: plaintext ? b64(plaintext) : null })).element as ElementJson;
    const out: EncryptedElement = {
      version,
      sender: element.sender,
      keys: element.keys.map((k) => ({ jid: k.jid, device: k.device, kex: k.kex, data: unb64(k.data) })),
    };
    if (element.iv) out.iv = unb64(element.iv);
    if (element.payload) out.payload = unb64(element.payload);
    return out;
  }

  /** Python's answer: the plaintext, or the name of the exception python-omemo raised. */
  async decrypt(fromJid: string, element: EncryptedElement): Promise<{ plaintext?: Uint8Array; usedPreKey?: boolean; error?: string }> {
    const json: ElementJson = {
      sender: element.sender,
      keys: element.keys.map((k) => ({ jid: k.jid, device: k.device, kex: k.kex, data: b64(k.data) })),
    };
    if (element.iv) json.iv = b64(element.iv);
    if (element.payload) json.payload = b64(element.payload);
    const answer = await this.call({ op: 'decrypt', version: element.version, jid: fromJid, element: json });
    if (answer.error) return { error: answer.error };
    return { plaintext: typeof answer.plaintext === 'string' ? unb64(answer.plaintext) : undefined, usedPreKey: answer.usedPreKey === true };
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    await new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('close', () => resolve())));
  }
}
