// Node-RED msg → a file for xmpp-out to send: msg.payload as a Buffer with msg.filename (and
// msg.mimetype), or msg.file = { path | url | buffer, name, type } with a text msg.payload as its
// caption. Checked once, at the edge; the bytes behind a path or a link are read only once the
// upload service has said how large a file it takes.
import { readFile, stat } from 'node:fs/promises';
import type { NodeMessage } from 'node-red';
import { FileError } from '../core/files/file-error';
import { fileNameOf, type FileMessage, type Files, type OutgoingFile } from '../core/files/files';
import { isMediaType, mediaTypeOf } from '../core/files/media-types';
import { outgoingMessage, type OutDefaults } from './message-msg';
import { MsgError } from './node-error';
import { words, type Detail, type WordsValue } from '../core/words';

export type FileSource = { kind: 'buffer'; data: Buffer } | { kind: 'path'; path: string } | { kind: 'url'; url: string };

export interface FileRequest {
  source: FileSource;
  name: string;
  /** As given; undefined: the server's word for a link, else guessed from the name. */
  type: string | undefined;
  /** msg.payload's text beside msg.file. */
  caption: string | undefined;
}

/** The most read from a path or a link when the upload service names no limit. */
export const READ_LIMIT_WITHOUT_SERVICE_LIMIT = 100 * 1024 * 1024;

export type FileMsgErrorCode = 'invalid-file' | 'file-unreadable';

/** A msg whose file cannot be sent; `code` is a locale key under xmpp-out.error. */
export class FileMsgError extends MsgError {
  declare readonly code: FileMsgErrorCode;

  constructor(code: FileMsgErrorCode, detail: Detail = '') {
    super('xmpp-out', code, detail);
    this.name = 'FileMsgError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value);
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** The last part of a path, with either separator (msg.filename from a read-file node is a whole path). */
function baseName(path: string): string {
  return path.split(/[/\\]/).filter(Boolean).at(-1) ?? '';
}

/** A name the upload service takes: no path separators or control characters, at most 200 characters. */
function checkedName(value: unknown, what: WordsValue): string {
  if (typeof value !== 'string' || value.trim() === '') throw new FileMsgError('invalid-file', words('file-name', { field: what }));
  const name = value.trim();
  if (/[\u0000-\u001F\u007F/\\]/.test(name)) throw new FileMsgError('invalid-file', words('file-name-chars', { field: what }));
  if (name.length > 200) throw new FileMsgError('invalid-file', words('file-name-long', { field: what }));
  return name;
}

function checkedType(value: unknown, what: string): string | undefined {
  if (!given(value)) return undefined;
  if (typeof value !== 'string' || !isMediaType(value.trim())) throw new FileMsgError('invalid-file', words('media-type', { field: what }));
  return value.trim();
}

function captionOf(payload: unknown): string | undefined {
  if (typeof payload === 'number' || typeof payload === 'boolean') return String(payload);
  return typeof payload === 'string' && payload.trim() !== '' ? payload : undefined;
}

/** The file a msg asks to send, checked; undefined when it sends no file (then it is a message as before). */
export function fileRequest(msg: NodeMessage): FileRequest | undefined {
  const record = msg as NodeMessage & { file?: unknown; filename?: unknown; mimetype?: unknown };
  if (given(record.file)) return fileFromMsgFile(record.file, msg.payload);
  if (Buffer.isBuffer(msg.payload) && given(record.filename)) {
    if (typeof record.filename !== 'string') throw new FileMsgError('invalid-file', words('must-be-text', { field: 'msg.filename' }));
    const name = checkedName(baseName(record.filename), 'msg.filename');
    return { source: { kind: 'buffer', data: msg.payload }, name, type: checkedType(record.mimetype, 'msg.mimetype'), caption: undefined };
  }
  return undefined;
}

function fileFromMsgFile(file: unknown, payload: unknown): FileRequest {
  if (!isRecord(file)) throw new FileMsgError('invalid-file', words('file-shape'));
  const sources = (['path', 'url', 'buffer'] as const).filter((key) => given(file[key]));
  if (sources.length !== 1) throw new FileMsgError('invalid-file', words('file-one-source'));
  let source: FileSource;
  let derived: string;
  if (sources[0] === 'buffer') {
    if (!Buffer.isBuffer(file.buffer)) throw new FileMsgError('invalid-file', words('file-buffer'));
    if (!given(file.name)) throw new FileMsgError('invalid-file', words('file-buffer-name'));
    source = { kind: 'buffer', data: file.buffer };
    derived = '';
  } else if (sources[0] === 'path') {
    if (typeof file.path !== 'string' || file.path.trim() === '') throw new FileMsgError('invalid-file', words('must-be-text', { field: 'msg.file.path' }));
    source = { kind: 'path', path: file.path.trim() };
    derived = baseName(source.path);
  } else {
    const url = typeof file.url === 'string' ? parsedHttpUrl(file.url.trim()) : undefined;
    if (!url) throw new FileMsgError('invalid-file', words('file-url'));
    source = { kind: 'url', url };
    derived = fileNameOf(url);
  }
  const name = checkedName(given(file.name) ? file.name : derived, given(file.name) ? 'msg.file.name' : words('file-name-derived'));
  return { source, name, type: checkedType(file.type, 'msg.file.type'), caption: captionOf(payload) };
}

function parsedHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Where a file from this msg goes: the recipient, type, thread and subject a text message would have. */
export function fileAddress(msg: NodeMessage, defaults: OutDefaults, ownJid: string): Omit<FileMessage, 'caption'> {
  // The same rules as for a text message; the body is the link, so the payload plays no part.
  const { to, type, thread, subject } = outgoingMessage({ ...msg, payload: '' }, defaults, ownJid);
  return { to, type, thread, subject };
}

/**
 * The file's bytes: a Buffer as it is; a path or a link read only when it is within the upload
 * service's limit (a file larger is refused from its size, a download abandoned once past it).
 */
export async function loadFile(request: FileRequest, files: Pick<Files, 'service' | 'fetch'>): Promise<OutgoingFile> {
  const { source, name } = request;
  const type = request.type ?? mediaTypeOf(name);
  if (source.kind === 'buffer') return { name, type, data: source.data };
  const limit = (await files.service()).maxBytes;
  if (source.kind === 'url') {
    const fetched = await files.fetch(source.url, limit ?? READ_LIMIT_WITHOUT_SERVICE_LIMIT);
    return { name, type: request.type ?? fetched.type, data: fetched.data };
  }
  let size: number;
  try {
    const info = await stat(source.path);
    if (!info.isFile()) throw new FileMsgError('file-unreadable', words('not-a-file', { path: source.path }));
    size = info.size;
  } catch (error) {
    throw unreadable(error, source.path);
  }
  const most = limit ?? READ_LIMIT_WITHOUT_SERVICE_LIMIT;
  if (size > most) throw new FileError('too-large', words('file-over-service', { name, bytes: size, max: most }));
  try {
    return { name, type, data: await readFile(source.path) };
  } catch (error) {
    throw unreadable(error, source.path);
  }
}

function unreadable(error: unknown, path: string): Error {
  if (error instanceof MsgError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : 'error');
  return new FileMsgError('file-unreadable', words('at-place', { place: path, detail: code }));
}
