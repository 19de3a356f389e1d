// Files (XEP-0363 HTTP File Upload, XEP-0066 out-of-band data): a file is uploaded to our
// server's upload service with this connection's TLS trust, then its link is sent in a message
// whose body is the link and which carries it as out-of-band data, so clients show the file
// inline; and the files others link to are fetched, with the same trust, within a size.
import type { DiscoClient } from '../disco/disco-client';
import type { MessageType } from '../messages/message-stanza';
import type { Messages } from '../messages/messages';
import type { ClientPort } from '../port';
import type { SendOptions } from '../session/session-options';
import type { TlsTrust } from '../session/tls-trust';
import { FileError } from './file-error';
import { httpGet, httpPut } from './http-transfer';
import { DEFAULT_MEDIA_TYPE, mediaTypeOf } from './media-types';
import { buildSlotRequest, readSlot } from './upload-stanza';
import { UploadServiceFinder, type UploadService } from './upload-service';
import { words } from '../words';

export type FilesPort = Pick<ClientPort, 'xml' | 'jid' | 'request' | 'onLogin'>;

export interface OutgoingFile {
  /** The file name the link ends with ("door.jpg"). */
  name: string;
  /** Media type, "image/jpeg". */
  type: string;
  data: Buffer;
}

/** Where the file's message goes, and the words that go with it. */
export interface FileMessage {
  to: string;
  type: MessageType;
  /** Sent as the link's description and as a message of its own after the file's. */
  caption?: string | undefined;
  thread?: string | undefined;
  subject?: string | undefined;
}

export interface FileSendOptions extends SendOptions {
  /** Bytes uploaded so far, of `total`. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

export interface FetchedFile {
  /** The last part of the link's path ("door.jpg"), or "file". */
  name: string;
  /** The type the server gave, else the one the name suggests. */
  type: string;
  size: number;
  data: Buffer;
}

export interface FilesOptions {
  trust: TlsTrust;
  /** Longest wait for an answer from the server or the upload service (default 30 s). */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class Files {
  private readonly finder: UploadServiceFinder;
  private readonly trust: TlsTrust;
  private readonly timeoutMs: number;

  constructor(
    private readonly port: FilesPort,
    disco: Pick<DiscoClient, 'items' | 'info'>,
    private readonly messages: Pick<Messages, 'send'>,
    options: FilesOptions,
  ) {
    this.trust = options.trust;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.finder = new UploadServiceFinder(port, disco, this.timeoutMs);
  }

  /** Our server's upload service (found once per login), or FileError('no-upload-service'). */
  service(): Promise<UploadService> {
    return this.finder.find();
  }

  /**
   * Uploads the file and resolves with the link anyone can fetch it from. Refused before any
   * request when it is larger than the service takes (FileError('too-large')); a refused slot
   * rejects with the service's condition (XmppError 'stanza-error'); a failed PUT with
   * FileError('upload-failed') (its HTTP status) or 'tls-untrusted'.
   */
  async upload(file: OutgoingFile, onProgress?: FileSendOptions['onProgress']): Promise<string> {
    const service = await this.service();
    const size = file.data.length;
    if (service.maxBytes !== undefined && size > service.maxBytes) {
      throw new FileError('too-large', words('file-over-limit', { name: file.name, bytes: size, service: service.jid, max: service.maxBytes }));
    }
    const answer = await this.port.request(buildSlotRequest(this.port.xml, service.jid, { name: file.name, size, type: file.type }), this.timeoutMs);
    const slot = readSlot(answer);
    await httpPut(slot.put.url, file.data, { trust: this.trust, type: file.type, headers: slot.put.headers, onProgress, idleTimeoutMs: this.timeoutMs });
    return slot.get;
  }

  /**
   * Uploads the file, then sends its link: a message whose body is the link with the link as
   * out-of-band data (the caption as its description), then the caption as a message of its
   * own. Resolves with the link once both are written.
   */
  async send(file: OutgoingFile, message: FileMessage, options: FileSendOptions = {}): Promise<string> {
    const url = await this.upload(file, options.onProgress);
    const { onProgress: _progress, ...sendOptions } = options;
    const caption = message.caption?.trim() ? message.caption : undefined;
    const sent = [this.messages.send({ to: message.to, type: message.type, body: url, subject: message.subject, thread: message.thread, oob: { url, desc: caption } }, sendOptions)];
    if (caption) sent.push(this.messages.send({ to: message.to, type: message.type, body: caption, thread: message.thread }, sendOptions));
    await Promise.all(sent);
    return url;
  }

  /**
   * Fetches the file at an http(s) link with this connection's trust, reading at most maxBytes
   * (FileError('too-large') beyond) within deadlineMs (default 60 s).
   */
  async fetch(url: string, maxBytes: number, deadlineMs = 2 * this.timeoutMs): Promise<FetchedFile> {
    const fetched = await httpGet(url, { trust: this.trust, maxBytes, deadlineMs, idleTimeoutMs: this.timeoutMs });
    const name = fileNameOf(fetched.url);
    const type = fetched.type && fetched.type !== DEFAULT_MEDIA_TYPE ? fetched.type : mediaTypeOf(name);
    return { name, type, size: fetched.data.length, data: fetched.data };
  }
}

/** The last part of a link's path, decoded ("door.jpg"); "file" when there is none. */
export function fileNameOf(url: string): string {
  let last = '';
  try {
    last = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
    last = decodeURIComponent(last);
  } catch {
    // Undecodable: keep it as it is.
  }
  const clean = last.replace(/[\u0000-\u001F\u007F/\\]/g, '_').slice(0, 200);
  return clean || 'file';
}
