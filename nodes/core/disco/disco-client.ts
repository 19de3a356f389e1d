// Asking others: disco#info, disco#items (XEP-0030), software version (XEP-0092), and a walk of
// an entity's items tree.
import { NS_DISCO_INFO, NS_DISCO_ITEMS, readInfo, readItems, type DiscoInfo, type DiscoItem } from './disco-stanza';
import { NS_VERSION, type SoftwareVersion } from './self-description';
import type { Session } from '../session/session';
import { XmppError } from '../errors';

export interface WalkedItem extends DiscoItem {
  info?: DiscoInfo | undefined;
  /** Why info could not be had (the error's condition). */
  error?: string | undefined;
  items?: WalkedItem[] | undefined;
}

function lib(session: Session): NonNullable<Session['xml']> {
  const xml = session.xml;
  if (!xml) throw new XmppError('not-connected');
  return xml;
}

export async function queryInfo(session: Session, jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoInfo> {
  const xml = lib(session);
  const answer = await session.request(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_INFO, node })), timeoutMs);
  return readInfo(answer.getChild('query', NS_DISCO_INFO));
}

export async function queryItems(session: Session, jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoItem[]> {
  const xml = lib(session);
  const answer = await session.request(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_DISCO_ITEMS, node })), timeoutMs);
  return readItems(answer.getChild('query', NS_DISCO_ITEMS));
}

export async function queryVersion(session: Session, jid: string, timeoutMs: number): Promise<SoftwareVersion> {
  const xml = lib(session);
  const answer = await session.request(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: NS_VERSION })), timeoutMs);
  const query = answer.getChild('query', NS_VERSION);
  return { name: query?.getChildText('name') ?? '', version: query?.getChildText('version') ?? '', os: query?.getChildText('os') ?? undefined };
}

/**
 * The items of jid/node, each with its info, down to `depth` levels (1: the items and their
 * info). An item whose info or items cannot be had keeps the error's condition; the walk goes on.
 */
export async function walkItems(session: Session, jid: string, node: string | undefined, depth: number, timeoutMs: number): Promise<WalkedItem[]> {
  const items = await queryItems(session, jid, node, timeoutMs);
  return Promise.all(
    items.map(async (item): Promise<WalkedItem> => {
      const walked: WalkedItem = { ...item };
      try {
        walked.info = await queryInfo(session, item.jid, item.node, timeoutMs);
      } catch (error) {
        walked.error = error instanceof XmppError ? (error.condition ?? error.code) : 'error';
      }
      if (depth > 1) {
        try {
          walked.items = await walkItems(session, item.jid, item.node, depth - 1, timeoutMs);
        } catch (error) {
          walked.items = [];
          walked.error ??= error instanceof XmppError ? (error.condition ?? error.code) : 'error';
        }
      }
      return walked;
    }),
  );
}
