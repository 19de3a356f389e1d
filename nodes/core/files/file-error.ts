// Why a file could not be sent or fetched, each failure with a name a flow can branch on
// (msg.error.code, msg.file.error) and a text in the locales (xmpp-config.file-error.<code>).
import { detailCode, wordsOf, type Detail, type Words } from '../words';

export const FILE_ERROR_CODES = [
  /** Larger than the upload service takes, or than a download may be. */
  'too-large',
  /** Our server lists no HTTP upload service (XEP-0363). */
  'no-upload-service',
  /** The PUT failed: an HTTP status other than 2xx, a broken connection, no answer in time. */
  'upload-failed',
  /** A GET failed the same ways. */
  'download-failed',
  /** The HTTP server's certificate is not one this connection trusts. */
  'tls-untrusted',
] as const;

export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

export class FileError extends Error {
  /** Extra data for the user: a host, a size, an HTTP status (never a URL's secret parts, never a header); words as a language-free code. */
  readonly detail: string;
  /** The detail as words for the nodes to translate. */
  readonly words: Words | undefined;

  constructor(
    readonly code: FileErrorCode,
    detail: Detail = '',
    /** The HTTP status, when the server answered with one. */
    readonly status?: number,
  ) {
    const text = detailCode(detail);
    super(text ? `${code}: ${text}` : code);
    this.name = 'FileError';
    this.detail = text;
    this.words = wordsOf(detail);
  }
}
