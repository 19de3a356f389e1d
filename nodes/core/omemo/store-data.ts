// What one account's OMEMO store file holds, and its strict reading: the engines' snapshot (the
// private keys: this file is the secret), our device id, what we know of each contact's devices
// (the fingerprint first seen for each, so a changed key is noticed) and their device lists.
import type { EngineState, OmemoVersion } from './engine';

export const STORE_FORMAT = 1;

export interface KnownDevice {
  version: OmemoVersion;
  id: number;
  /** The fingerprint of the identity key this device first showed us. */
  fingerprint: string;
  /** Other forms of the same key's fingerprint (OMEMO 2's Ed25519 form), for matching verified entries. */
  otherForms?: string[] | undefined;
  /** The device showed another identity key since: never trusted blindly again. */
  keyChanged?: boolean | undefined;
}

export interface StoreData {
  format: typeof STORE_FORMAT;
  /** The account's bare JID: a file copied to another account is not used by it. */
  account: string;
  deviceId: number;
  engine: EngineState;
  /** Per contact bare JID (ours too, for our other devices). */
  devices: Record<string, KnownDevice[]>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readKnown(value: unknown): KnownDevice | undefined {
  if (!isRecord(value)) return undefined;
  const { version, id, fingerprint, keyChanged, otherForms } = value;
  if ((version !== '0.3' && version !== '2') || typeof id !== 'number' || !Number.isInteger(id) || typeof fingerprint !== 'string') return undefined;
  const known: KnownDevice = { version, id, fingerprint };
  if (Array.isArray(otherForms)) known.otherForms = otherForms.filter((f): f is string => typeof f === 'string');
  if (keyChanged === true) known.keyChanged = true;
  return known;
}

/** The store in a file's text; undefined when it is not one (corrupt, another format, another account's). */
export function parseStore(text: string, account: string): StoreData | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.format !== STORE_FORMAT || value.account !== account) return undefined;
  const { deviceId, engine, devices } = value;
  if (typeof deviceId !== 'number' || !Number.isInteger(deviceId) || deviceId <= 0 || !isRecord(engine) || !isRecord(devices)) return undefined;
  const known: Record<string, KnownDevice[]> = {};
  for (const [jid, list] of Object.entries(devices)) {
    if (!Array.isArray(list)) return undefined;
    known[jid] = list.map(readKnown).filter((d): d is KnownDevice => d !== undefined);
  }
  return { format: STORE_FORMAT, account, deviceId, engine, devices: known };
}
