// A device's bundle ↔ the contract's PublicBundle, per version (XEP-0384; element names as
// python-omemo's oldmemo/twomemo write and validate them):
//   0.3: <bundle><signedPreKeyPublic signedPreKeyId/><signedPreKeySignature/><identityKey/>
//        <prekeys><preKeyPublic preKeyId/>…</prekeys></bundle>
//   2:   <bundle><spk id/><spks/><ik/><prekeys><pk id/>…</prekeys></bundle>
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { fromBase64, readId, toBase64 } from './base64';
import type { OmemoVersion, PublicBundle } from './engine';
import { OMEMO_VERSIONS } from './omemo-versions';

interface BundleNames {
  spk: string;
  spkId: string;
  spks: string;
  ik: string;
  pk: string;
  pkId: string;
}

const NAMES: Record<OmemoVersion, BundleNames> = {
  '0.3': { spk: 'signedPreKeyPublic', spkId: 'signedPreKeyId', spks: 'signedPreKeySignature', ik: 'identityKey', pk: 'preKeyPublic', pkId: 'preKeyId' },
  '2': { spk: 'spk', spkId: 'id', spks: 'spks', ik: 'ik', pk: 'pk', pkId: 'id' },
};

export function buildBundle(xml: XmlFactory, version: OmemoVersion, bundle: PublicBundle): XmlElement {
  const n = NAMES[version];
  return xml(
    'bundle',
    { xmlns: OMEMO_VERSIONS[version].ns },
    xml(n.spk, { [n.spkId]: String(bundle.signedPreKeyId) }, toBase64(bundle.signedPreKey)),
    xml(n.spks, {}, toBase64(bundle.signedPreKeySignature)),
    xml(n.ik, {}, toBase64(bundle.identityKey)),
    xml('prekeys', {}, ...bundle.preKeys.map((pk) => xml(n.pk, { [n.pkId]: String(pk.id) }, toBase64(pk.key)))),
  );
}

/** The bundle in an item's payload; undefined when anything the version requires is missing or not base64. */
export function readBundle(version: OmemoVersion, payload: XmlElement | undefined): PublicBundle | undefined {
  const ns = OMEMO_VERSIONS[version].ns;
  if (!payload || !payload.is('bundle', ns)) return undefined;
  const n = NAMES[version];
  const spk = payload.getChild(n.spk, ns);
  const signedPreKeyId = readId(spk?.attrs[n.spkId]);
  const signedPreKey = fromBase64(spk?.getText());
  const signedPreKeySignature = fromBase64(payload.getChild(n.spks, ns)?.getText());
  const identityKey = fromBase64(payload.getChild(n.ik, ns)?.getText());
  if (signedPreKeyId === undefined || !signedPreKey || !signedPreKeySignature || !identityKey) return undefined;
  const preKeys: PublicBundle['preKeys'] = [];
  for (const el of payload.getChild('prekeys', ns)?.getChildren(n.pk, ns) ?? []) {
    const id = readId(el.attrs[n.pkId]);
    const key = fromBase64(el.getText());
    if (id !== undefined && key && key.length > 0) preKeys.push({ id, key });
  }
  // Without a pre-key no session can start from this bundle (X3DH as both versions use it).
  if (preKeys.length === 0) return undefined;
  return { identityKey, signedPreKeyId, signedPreKey, signedPreKeySignature, preKeys };
}
