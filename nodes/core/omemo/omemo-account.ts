// One account's OMEMO device as it lives between the engines and the store file: loaded from the
// file (or made anew when there is none, or it is unusable), and saved after every change.
import type { EngineState, OmemoEngine, OmemoEngineFactory, OmemoVersion } from './engine';
import { KnownDevices } from './known-devices';
import { SaveQueue } from './save-queue';
import { parseStore, STORE_FORMAT, type StoreData } from './store-data';
import { readStoreFile, setAside, writeStoreFile } from './store-file';

/**
 * Store files open in this process: two connection nodes of one account would each ratchet the
 * same device's sessions their own way, and both would break. The second one is refused.
 */
const OPEN_PATHS = new Set<string>();

export class StoreInUseError extends Error {
  readonly code = 'in-use';
  constructor(path: string) {
    super(`${path} is used by another connection of this account`);
    this.name = 'StoreInUseError';
  }
}

export type AccountOrigin = { kind: 'restored' } | { kind: 'created' } | { kind: 'replaced'; reason: string; setAsideAs: string | undefined };

export class OmemoAccount {
  readonly known: KnownDevices;
  private readonly queue: SaveQueue;

  private constructor(
    readonly account: string,
    readonly deviceId: number,
    readonly engines: Record<OmemoVersion, OmemoEngine>,
    devices: StoreData['devices'],
    private readonly factory: OmemoEngineFactory,
    private readonly path: string,
    readonly origin: AccountOrigin,
  ) {
    this.known = new KnownDevices(devices);
    this.queue = new SaveQueue(() => writeStoreFile(this.path, JSON.stringify(this.data())));
  }

  /**
   * The account's device from its file; a new device when there is no file, or when the file
   * cannot be used (then set aside, and the origin says why, for a warning in the log).
   */
  static async open(account: string, path: string, factory: OmemoEngineFactory): Promise<OmemoAccount> {
    if (OPEN_PATHS.has(path)) throw new StoreInUseError(path);
    OPEN_PATHS.add(path);
    try {
      return await OmemoAccount.load(account, path, factory);
    } catch (error) {
      OPEN_PATHS.delete(path);
      throw error;
    }
  }

  private static async load(account: string, path: string, factory: OmemoEngineFactory): Promise<OmemoAccount> {
    const read = await readStoreFile(path);
    let reason: string | undefined;
    if ('text' in read) {
      const data = parseStore(read.text, account);
      if (data) {
        try {
          const restored = factory.restoreDevice(data.engine);
          if (restored.deviceId === data.deviceId) return new OmemoAccount(account, data.deviceId, restored.engines, data.devices, factory, path, { kind: 'restored' });
          reason = 'device-id-mismatch';
        } catch {
          reason = 'engine-state';
        }
      } else reason = 'corrupt';
    } else if ('problem' in read) reason = read.problem;
    const created = factory.createDevice();
    let setAsideAs: string | undefined;
    if (reason !== undefined && !('missing' in read)) setAsideAs = await setAside(path).catch(() => undefined);
    const origin: AccountOrigin = reason === undefined ? { kind: 'created' } : { kind: 'replaced', reason, setAsideAs };
    const opened = new OmemoAccount(account, created.deviceId, created.engines, {}, factory, path, origin);
    await opened.save();
    return opened;
  }

  /** Resolves once the state as it is now is on disk. */
  save(): Promise<void> {
    return this.queue.save();
  }

  /** Waits for writes under way, then lets another connection of this account open the file. */
  async close(): Promise<void> {
    await this.queue.idle();
    OPEN_PATHS.delete(this.path);
  }

  private data(): StoreData {
    const engine: EngineState = this.factory.snapshotDevice(this.engines);
    return { format: STORE_FORMAT, account: this.account, deviceId: this.deviceId, engine, devices: this.known.all() };
  }
}
