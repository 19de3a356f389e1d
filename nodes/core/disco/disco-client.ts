// Asking others: disco#info, disco#items (XEP-0030), software version (XEP-0092), and a walk of
// an entity's items tree. Only an answer from the entity asked counts (iq-caller.ts).
import { XmppError } from '../errors';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_VERSION } from '../namespaces';
import type { ClientPort } from '../port';
import { readInfo, readItems, type DiscoInfo, type DiscoItem } from './disco-stanza';
import type { SoftwareVersion } from './self-description';

export interface WalkedItem extends DiscoItem {
  info?: DiscoInfo | undefined;
  /** Why info could not be had (the error's condition). */
  error?: string | undefined;
  items?: WalkedItem[] | undefined;
}

export type DiscoClientPort = Pick<ClientPort, 'xml' | 'request'>;

export class DiscoClient {
  constructor(private readonly port: DiscoClientPort) {}

  async info(jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoInfo> {
    return readInfo((await this.query(jid, NS_DISCO_INFO, node, timeoutMs)).getChild('query', NS_DISCO_INFO));
  }

  async items(jid: string, node: string | undefined, timeoutMs: number): Promise<DiscoItem[]> {
    return readItems((await this.query(jid, NS_DISCO_ITEMS, node, timeoutMs)).getChild('query', NS_DISCO_ITEMS));
  }

  async version(jid: string, timeoutMs: number): Promise<SoftwareVersion> {
    const query = (await this.query(jid, NS_VERSION, undefined, timeoutMs)).getChild('query', NS_VERSION);
    return { name: query?.getChildText('name') ?? '', version: query?.getChildText('version') ?? '', os: query?.getChildText('os') ?? undefined };
  }

  /**
   * The items of jid/node, each with its info, down to `depth` levels (1: the items and their
   * info). An item whose info or items cannot be had keeps the error's condition; the walk goes on.
   */
  async walk(jid: string, node: string | undefined, depth: number, timeoutMs: number): Promise<WalkedItem[]> {
    const items = await this.items(jid, node, timeoutMs);
    return Promise.all(
      items.map(async (item): Promise<WalkedItem> => {
        const walked: WalkedItem = { ...item };
        try {
          walked.info = await this.info(item.jid, item.node, timeoutMs);
        } catch (error) {
          walked.error = conditionOrCode(error);
        }
        if (depth > 1) {
          try {
            walked.items = await this.walk(item.jid, item.node, depth - 1, timeoutMs);
          } catch (error) {
            walked.items = [];
            walked.error ??= conditionOrCode(error);
          }
        }
        return walked;
      }),
    );
  }

  private query(jid: string, xmlns: string, node: string | undefined, timeoutMs: number): Promise<ReturnType<ClientPort['xml']>> {
    const xml = this.port.xml;
    return this.port.request(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns, node })), timeoutMs);
  }
}

function conditionOrCode(error: unknown): string {
  return error instanceof XmppError ? (error.condition ?? error.code) : 'error';
}
