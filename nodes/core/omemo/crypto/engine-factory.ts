// Creates, restores and snapshots a device's two engines (0.3 and 2, one device id, one identity) and
// computes the fingerprints users compare: the OmemoEngineFactory of the contract.
import { randomInt } from 'node:crypto';
import { EngineState, OmemoEngine, OmemoEngineFactory, OmemoVersion } from '../engine';
import { fromBase64, toBase64, toHex } from './bytes';
import { DeviceIdentity } from './device-identity';
import { PreKeys } from './pre-keys';
import { profile03 } from './profile-03';
import { profile2 } from './profile-2';
import { VersionEngine, VersionEngineJson } from './version-engine';
import { VersionProfile } from './version-profile';

const PROFILES: Record<OmemoVersion, VersionProfile> = { '0.3': profile03, '2': profile2 };
const VERSIONS: OmemoVersion[] = ['0.3', '2'];
/** Device ids are positive 31-bit integers (XEP-0384). */
const MAX_DEVICE_ID = 0x7fffffff;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function engineOf(engine: OmemoEngine): VersionEngine {
  if (!(engine instanceof VersionEngine)) throw new TypeError('not an engine made by this factory');
  return engine;
}

export const omemoEngineFactory: OmemoEngineFactory = {
  createDevice() {
    const deviceId = randomInt(1, MAX_DEVICE_ID + 1);
    const identity = DeviceIdentity.generate();
    const engines = {
      '0.3': new VersionEngine(profile03, deviceId, identity, PreKeys.generate(profile03, identity)),
      '2': new VersionEngine(profile2, deviceId, identity, PreKeys.generate(profile2, identity)),
    };
    return { deviceId, engines };
  },

  /** A state missing one version's part (an engine's own snapshot) gets a fresh one for that version. */
  restoreDevice(state: EngineState) {
    const { deviceId, identity: seed } = state;
    if (typeof deviceId !== 'number' || !Number.isInteger(deviceId) || deviceId < 1 || deviceId > MAX_DEVICE_ID) throw new TypeError('stored OMEMO state: bad deviceId');
    if (typeof seed !== 'string') throw new TypeError('stored OMEMO state: identity missing');
    const identity = new DeviceIdentity(fromBase64(seed));
    const restore = (version: OmemoVersion): VersionEngine => {
      const part = state[version];
      if (part === undefined) return new VersionEngine(PROFILES[version], deviceId, identity, PreKeys.generate(PROFILES[version], identity));
      if (!isRecord(part) || !isRecord(part.preKeys) || !Array.isArray(part.sessions)) throw new TypeError(`stored OMEMO state: bad ${version} part`);
      return VersionEngine.restore(PROFILES[version], deviceId, identity, part as unknown as VersionEngineJson);
    };
    return { deviceId, engines: { '0.3': restore('0.3'), '2': restore('2') } };
  },

  snapshotDevice(engines: Record<OmemoVersion, OmemoEngine>): EngineState {
    const first = engineOf(engines['0.3']);
    const state: EngineState = { deviceId: first.deviceId, identity: toBase64(first.identity.seed) };
    for (const version of VERSIONS) state[version] = engineOf(engines[version]).toJson();
    // A round trip through JSON proves the state JSON-safe (no Uint8Array, no undefined in arrays).
    return JSON.parse(JSON.stringify(state)) as EngineState;
  },

  fingerprint(version: OmemoVersion, identityKey: Uint8Array): string {
    // 0.3 clients show the 32 key bytes after libsignal's 0x05 type byte.
    const key = version === '0.3' && identityKey.length === 33 ? identityKey.subarray(1) : identityKey;
    return toHex(key);
  },
};
