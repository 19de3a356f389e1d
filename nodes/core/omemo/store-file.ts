// The store file on disk: 0600 in a 0700 folder, written atomically (a temporary file, fsync,
// rename, fsync of the folder) so a crash leaves the old state or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The folder under Node-RED's user directory that holds the store files. */
export const STORE_FOLDER = 'xmpp-flows-omemo';

/** The file of one account: its bare JID made safe as a file name. */
export function storePath(userDir: string, bareJid: string): string {
  const safe = bareJid.toLowerCase().replace(/[^a-z0-9@._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return join(userDir, STORE_FOLDER, `${safe}.json`);
}

export type StoreRead = { text: string } | { missing: true } | { problem: string };

export async function readStoreFile(path: string): Promise<StoreRead> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { problem: code ?? 'unreadable' };
  }
}

/** Writes the whole file anew; resolves once it is on disk under its name. */
export async function writeStoreFile(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // A folder made by someone else (or before this code) is narrowed too: it holds private keys.
  await chmod(folder, 0o700);
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // The rename itself is durable only once the folder is.
  const dir = await open(folder, constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Moves an unusable file aside (still 0600: it may hold keys), so a new one can be made. */
export async function setAside(path: string, now = new Date()): Promise<string> {
  const aside = `${path}.unusable-${now.toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, aside);
  return aside;
}
