// The presence gate's state in a Node-RED context store: held messages under one key per
// recipient, its subscription requests under another, and the single key of earlier versions.
import type { NodeContextData } from 'node-red';
import { ASKS_KEY, heldKey, LEGACY_HELD_KEY, recipientOfHeldKey } from './gate-context-keys';

/** What load() found; values are unchecked (the queue and the ask book check them). */
export interface StoredGateState {
  /** Per recipient, the value of its key. */
  held: Record<string, unknown>;
  /** The single key earlier versions wrote, if it is still there. */
  legacy: unknown;
  asks: unknown;
}

export class GateStore {
  constructor(
    private readonly context: NodeContextData,
    /** The context store's name; undefined for the default one. */
    private readonly store: string | undefined,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Writes one recipient's held messages (none: removes its key), leaving every other key alone. */
  saveHeld(recipient: string, entries: readonly unknown[]): void {
    this.set(heldKey(recipient), entries.length > 0 ? entries : undefined);
  }

  saveAsks(asks: Record<string, unknown>): void {
    this.set(ASKS_KEY, Object.keys(asks).length > 0 ? asks : undefined);
  }

  /** Removes the key earlier versions wrote, once its messages are kept in the new form. */
  dropLegacy(): void {
    this.set(LEGACY_HELD_KEY, undefined);
  }

  /** Reads everything the gate keeps; on a store error, reports it and calls back with what it has. */
  load(callback: (state: StoredGateState) => void): void {
    const state: StoredGateState = { held: {}, legacy: undefined, asks: undefined };
    this.context.keys(this.store, (err: Error | undefined, keys: unknown[]) => {
      if (err) {
        this.onError(err);
        callback(state);
        return;
      }
      const wanted = (keys ?? []).filter((key): key is string => typeof key === 'string' && (key === LEGACY_HELD_KEY || key === ASKS_KEY || recipientOfHeldKey(key) !== undefined));
      let pending = wanted.length;
      if (pending === 0) {
        callback(state);
        return;
      }
      for (const key of wanted) {
        this.context.get(key, this.store, (getErr: Error | undefined, value: unknown) => {
          if (getErr) this.onError(getErr);
          else if (key === LEGACY_HELD_KEY) state.legacy = value;
          else if (key === ASKS_KEY) state.asks = value;
          else state.held[recipientOfHeldKey(key) as string] = value;
          pending -= 1;
          if (pending === 0) callback(state);
        });
      }
    });
  }

  private set(key: string, value: unknown): void {
    this.context.set(key, value, this.store, (err?: Error) => {
      if (err) this.onError(err);
    });
  }
}
