// Our server's HTTP upload service (XEP-0363): the items of our server asked for their info, the
// first that offers urn:xmpp:http:upload:0 taken with its size limit. Found once per login (a
// resumed session keeps it); a failure to ask is not remembered, so the next file asks again.
import type { DiscoClient } from '../disco/disco-client';
import { parseJid } from '../jid';
import type { ClientPort } from '../port';
import { FileError } from './file-error';
import { maxFileSize, offersUpload } from './upload-stanza';

export interface UploadService {
  jid: string;
  /** The largest file it takes, in bytes; undefined when it names no limit. */
  maxBytes: number | undefined;
}

export type UploadServicePort = Pick<ClientPort, 'jid' | 'onLogin'>;

export class UploadServiceFinder {
  private found: Promise<UploadService> | undefined;

  constructor(
    private readonly port: UploadServicePort,
    private readonly disco: Pick<DiscoClient, 'items' | 'info'>,
    private readonly timeoutMs: number,
  ) {
    port.onLogin((resumed) => {
      if (!resumed) this.found = undefined;
    });
  }

  /** The service, or FileError('no-upload-service') when our server lists none. */
  find(): Promise<UploadService> {
    if (this.found) return this.found;
    const finding = this.discover().catch((error: unknown) => {
      // "None" is an answer for this login; a timeout or a dropped connection is not.
      if (!(error instanceof FileError) && this.found === finding) this.found = undefined;
      throw error;
    });
    this.found = finding;
    return finding;
  }

  private async discover(): Promise<UploadService> {
    const domain = parseJid(this.port.jid).domain;
    const items = await this.disco.items(domain, undefined, this.timeoutMs);
    // A service is an entity of its own: items that are nodes of another entity are not asked.
    const jids = [...new Set(items.filter((item) => !item.node).map((item) => item.jid))];
    const infos = await Promise.all(
      jids.map((jid) =>
        this.disco.info(jid, undefined, this.timeoutMs).then(
          (info) => ({ jid, info }),
          () => undefined,
        ),
      ),
    );
    const service = infos.find((entry) => entry !== undefined && offersUpload(entry.info));
    if (!service) throw new FileError('no-upload-service', domain);
    return { jid: service.jid, maxBytes: maxFileSize(service.info) };
  }
}
