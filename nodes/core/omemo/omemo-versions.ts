// Where each OMEMO version keeps what it publishes (XEP-0384 0.3 and 0.8+), in one table.
import { NS_OMEMO_03, NS_OMEMO_2 } from '../namespaces';
import type { OmemoVersion } from './engine';

export interface VersionNodes {
  /** The namespace of <encrypted>, <list>/<devices> and <bundle>. */
  ns: string;
  /** The PEP node of the device list (its one item has id 'current'). */
  deviceListNode: string;
  /** The PEP node and item id of one device's bundle. */
  bundle(device: number): { node: string; item: string };
  /** Publish-options beyond access_model=open (the 2 bundles node keeps one item per device). */
  bundleOptions: Record<string, string>;
}

export const OMEMO_VERSIONS: Record<OmemoVersion, VersionNodes> = {
  '0.3': {
    ns: NS_OMEMO_03,
    deviceListNode: `${NS_OMEMO_03}.devicelist`,
    // One node per device; Conversations and python-omemo's glue publish its item as 'current'.
    bundle: (device) => ({ node: `${NS_OMEMO_03}.bundles:${device}`, item: 'current' }),
    bundleOptions: {},
  },
  '2': {
    ns: NS_OMEMO_2,
    deviceListNode: `${NS_OMEMO_2}:devices`,
    bundle: (device) => ({ node: `${NS_OMEMO_2}:bundles`, item: String(device) }),
    bundleOptions: { 'pubsub#max_items': 'max' },
  },
};

/** Newest first: a device that publishes both is written to in the newer one. */
export const VERSIONS_PREFERRED: readonly OmemoVersion[] = ['2', '0.3'];

export function versionOfNs(ns: string | undefined): OmemoVersion | undefined {
  if (ns === NS_OMEMO_2) return '2';
  if (ns === NS_OMEMO_03) return '0.3';
  return undefined;
}

/** What users see of a device list item id 'current'. */
export const CURRENT_ITEM = 'current';
