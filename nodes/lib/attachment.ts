// xmpp-in's attachments: the file an out-of-band link (XEP-0066) points at, fetched with the
// connection's trust and never past the node's limit, as msg.file. A link that is not http(s)
// (an encrypted aesgcm:// one, whose key only an encrypting client can use) is never fetched.
import { XmppError } from '../core/errors';
import { FileError } from '../core/files/file-error';
import { fileNameOf, type Files } from '../core/files/files';

/** msg.file: the bytes, or why there are none (`error`: a code). */
export interface MsgFile {
  name: string;
  type?: string | undefined;
  size?: number | undefined;
  data?: Buffer | undefined;
  error?: string | undefined;
}

export interface Attachment {
  file: MsgFile;
  /** What went wrong, for a warning; undefined when fetched, or only larger than the limit (the limit at work, no fault). */
  problem?: unknown;
}

/** Whether the link is one xmpp-in fetches: http:// or https://. */
export function fetchable(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** The file behind the link, at most maxBytes of it; a failure becomes msg.file.error, never an exception. */
export async function fetchAttachment(url: string, files: Pick<Files, 'fetch'>, maxBytes: number): Promise<Attachment> {
  try {
    const fetched = await files.fetch(url, maxBytes);
    return { file: { name: fetched.name, type: fetched.type, size: fetched.size, data: fetched.data } };
  } catch (error) {
    const code = error instanceof FileError || error instanceof XmppError ? error.code : 'download-failed';
    return { file: { name: fileNameOf(url), error: code }, problem: code === 'too-large' ? undefined : error };
  }
}
