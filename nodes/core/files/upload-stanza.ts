// XEP-0363 HTTP File Upload ↔ plain objects: whether a service offers it and up to what size,
// the slot request, and the slot the service answers (only the headers the XEP allows).
import { NS_HTTP_UPLOAD } from '../namespaces';
import type { DiscoInfo } from '../disco/disco-stanza';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { cleanXmlText } from '../xml-text';
import { FileError } from './file-error';
import { words } from '../words';

export interface FileDescription {
  name: string;
  /** Bytes. */
  size: number;
  /** Media type, "image/png". */
  type: string;
}

export interface Slot {
  /** Where the bytes go (HTTP PUT), with the headers the service asks for. */
  put: { url: string; headers: Record<string, string> };
  /** Where anyone with the link fetches them: what we send. */
  get: string;
}

// XEP-0363 (since 0.6): a client sends these slot headers and ignores any other (a Host header
// from a slot, say, would send the upload elsewhere).
const ALLOWED_HEADERS: Record<string, string> = { authorization: 'Authorization', cookie: 'Cookie', expires: 'Expires' };

export function offersUpload(info: DiscoInfo): boolean {
  return info.features.includes(NS_HTTP_UPLOAD);
}

/** The service's size limit in bytes (XEP-0128 form field max-file-size); undefined when it names none. */
export function maxFileSize(info: DiscoInfo): number | undefined {
  const form = info.forms.find((f) => f.formType === NS_HTTP_UPLOAD && f.fields['max-file-size'] !== undefined);
  const value = Number(form?.fields['max-file-size']?.[0]?.trim() ?? '');
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function buildSlotRequest(xml: XmlFactory, service: string, file: FileDescription): XmlElement {
  return xml('iq', { type: 'get', to: service }, xml('request', { xmlns: NS_HTTP_UPLOAD, filename: cleanXmlText(file.name), size: String(file.size), 'content-type': file.type }));
}

function httpUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The slot in a service's answer; FileError('upload-failed') when it holds no usable one. */
export function readSlot(answer: XmlElement): Slot {
  const slot = answer.getChild('slot', NS_HTTP_UPLOAD);
  const put = slot?.getChild('put');
  const putUrl = httpUrl(put?.attrs.url);
  const getUrl = httpUrl(slot?.getChild('get')?.attrs.url);
  if (!put || !putUrl || !getUrl) throw new FileError('upload-failed', words('upload-no-slot'));
  const headers: Record<string, string> = {};
  for (const header of put.getChildren('header')) {
    const name = ALLOWED_HEADERS[(header.attrs.name ?? '').trim().toLowerCase()];
    // XEP-0363 security considerations: newlines never reach an HTTP header.
    if (name) headers[name] = header.getText().replace(/[\r\n]/g, '');
  }
  return { put: { url: putUrl, headers }, get: getUrl };
}
