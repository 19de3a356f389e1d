// OMEMO device lists ↔ plain values: 0.3's <list><device id/></list>, 2's
// <devices><device id label/></devices> (XEP-0384), the one item 'current' of each list node.
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { readId } from './base64';
import type { OmemoVersion } from './engine';
import { OMEMO_VERSIONS } from './omemo-versions';

export interface ListedDevice {
  id: number;
  /** OMEMO 2 only: a name the user gave the device. */
  label?: string | undefined;
}

const ROOT: Record<OmemoVersion, string> = { '0.3': 'list', '2': 'devices' };

/** The devices in a list item's payload; ids that are not numbers are left out, each id once. */
export function readDeviceList(version: OmemoVersion, payload: XmlElement | undefined): ListedDevice[] {
  if (!payload || !payload.is(ROOT[version], OMEMO_VERSIONS[version].ns)) return [];
  const seen = new Set<number>();
  const devices: ListedDevice[] = [];
  for (const el of payload.getChildren('device')) {
    const id = readId(el.attrs.id);
    if (id === undefined || id === 0 || seen.has(id)) continue;
    seen.add(id);
    devices.push(version === '2' && el.attrs.label ? { id, label: el.attrs.label } : { id });
  }
  return devices;
}

/** The payload of a device list item (labels only in 2, which has them). */
export function buildDeviceList(xml: XmlFactory, version: OmemoVersion, devices: readonly ListedDevice[]): XmlElement {
  return xml(
    ROOT[version],
    { xmlns: OMEMO_VERSIONS[version].ns },
    ...devices.map((device) => xml('device', { id: String(device.id), label: version === '2' ? device.label : undefined })),
  );
}
