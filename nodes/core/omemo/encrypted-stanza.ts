// <encrypted> ↔ the contract's EncryptedElement (XEP-0384):
//   0.3: <encrypted><header sid><key rid prekey='true'?/>…<iv/></header><payload/>?</encrypted>
//   2:   <encrypted><header sid><keys jid><key rid kex='true'?/>…</keys>…</header><payload/>?</encrypted>
// 0.3 keys carry no JID: the reader is told whose devices they are for (the recipient bare JIDs
// are unknown there; the keys to our device are what matters on receipt).
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { fromBase64, readId, toBase64 } from './base64';
import type { DeviceKey, EncryptedElement } from './engine';
import { OMEMO_VERSIONS, versionOfNs } from './omemo-versions';

/**
 * python-omemo reads the flag as Python truth of the text, so 'false' would mean true there:
 * the flag is written only when set, and read as XML Schema's boolean.
 */
function flag(value: boolean): string | undefined {
  return value ? 'true' : undefined;
}

function readFlag(text: string | undefined): boolean {
  return text === 'true' || text === '1';
}

export function buildEncrypted(xml: XmlFactory, element: EncryptedElement): XmlElement {
  const ns = OMEMO_VERSIONS[element.version].ns;
  const key = (k: DeviceKey, kexName: string): XmlElement => xml('key', { rid: String(k.device), [kexName]: flag(k.kex) }, toBase64(k.data));
  let header: XmlElement;
  if (element.version === '0.3') {
    if (!element.iv) throw new TypeError('an OMEMO 0.3 element needs its iv');
    header = xml('header', { sid: String(element.sender) }, ...element.keys.map((k) => key(k, 'prekey')), xml('iv', {}, toBase64(element.iv)));
  } else {
    const byJid = new Map<string, DeviceKey[]>();
    for (const k of element.keys) byJid.set(k.jid, [...(byJid.get(k.jid) ?? []), k]);
    header = xml('header', { sid: String(element.sender) }, ...[...byJid].map(([jid, keys]) => xml('keys', { jid }, ...keys.map((k) => key(k, 'kex')))));
  }
  return xml('encrypted', { xmlns: ns }, header, element.payload ? xml('payload', {}, toBase64(element.payload)) : undefined);
}

/**
 * The element as plain values; undefined when it is not one (no sid, bad base64, 0.3 without iv).
 * `recipient` names the JID of 0.3's keys (the stanza's addressee: us).
 */
export function readEncrypted(encrypted: XmlElement, recipient: string): EncryptedElement | undefined {
  const version = versionOfNs(encrypted.getNS());
  if (!version || encrypted.name !== 'encrypted') return undefined;
  const ns = OMEMO_VERSIONS[version].ns;
  const header = encrypted.getChild('header', ns);
  const sender = readId(header?.attrs.sid);
  if (!header || sender === undefined) return undefined;
  const keys: DeviceKey[] = [];
  const readKey = (el: XmlElement, jid: string, kexName: string): boolean => {
    const device = readId(el.attrs.rid);
    const data = fromBase64(el.getText());
    if (device === undefined || !data) return false;
    keys.push({ jid, device, kex: readFlag(el.attrs[kexName]), data });
    return true;
  };
  let iv: Uint8Array | undefined;
  if (version === '0.3') {
    for (const el of header.getChildren('key', ns)) if (!readKey(el, recipient, 'prekey')) return undefined;
    iv = fromBase64(header.getChild('iv', ns)?.getText());
    if (!iv) return undefined;
  } else {
    for (const group of header.getChildren('keys', ns)) {
      const jid = group.attrs.jid;
      if (!jid) return undefined;
      for (const el of group.getChildren('key', ns)) if (!readKey(el, jid, 'kex')) return undefined;
    }
  }
  const payloadEl = encrypted.getChild('payload', ns);
  const payload = payloadEl ? fromBase64(payloadEl.getText()) : undefined;
  if (payloadEl && !payload) return undefined;
  const read: EncryptedElement = { version, sender, keys };
  if (iv) read.iv = iv;
  if (payload && payload.length > 0) read.payload = payload;
  return read;
}

/** The <encrypted> children of a message, newest version first. */
export function encryptedChildren(message: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  for (const version of ['2', '0.3'] as const) {
    const el = message.getChild('encrypted', OMEMO_VERSIONS[version].ns);
    if (el) found.push(el);
  }
  return found;
}
