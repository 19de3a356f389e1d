// Drives test/rig/slix-files.py: a slixmpp client that prints the messages it gets with their
// out-of-band data (XEP-0066, read by slixmpp's own plugin), enters rooms and sends links.
import { SlixChild } from './slix-child';

export interface SlixFileMessage {
  event: 'message';
  from: string;
  type: string;
  id: string;
  body: string;
  /** '' when the message carries no out-of-band data. */
  oob_url: string;
  oob_desc: string;
}

export type SlixFilesEvent =
  | { event: 'ready'; jid: string }
  | SlixFileMessage
  | { event: 'joined'; room: string }
  | { event: 'sent'; tag: string }
  | { event: 'uploaded'; tag: string; url: string }
  | { event: 'upload-failed'; tag: string; error: string };

export class SlixFiles {
  jid = '';
  private tags = 0;

  private constructor(private readonly child: SlixChild<SlixFilesEvent>) {}

  /** `caFile`: a PEM file slixmpp's HTTPS client trusts (the rig's self-signed upload host). */
  static async start(jid: string, password: string, port: number, caFile?: string): Promise<SlixFiles> {
    const peer = new SlixFiles(new SlixChild<SlixFilesEvent>('slix-files.py', [jid, password, String(port)], 'slixmpp files peer', caFile ? { SSL_CERT_FILE: caFile } : {}));
    const ready = await peer.child.ready(20_000);
    if (ready.event === 'ready') peer.jid = ready.jid;
    return peer;
  }

  /** Messages received so far. */
  get messages(): SlixFileMessage[] {
    return this.child.events.filter((e): e is SlixFileMessage => e.event === 'message');
  }

  /** The first message (already received or coming) that matches. */
  async message(match: (m: SlixFileMessage) => boolean, what: string, timeoutMs = 15_000): Promise<SlixFileMessage> {
    return (await this.child.waitFor((e) => e.event === 'message' && match(e), timeoutMs, what)) as SlixFileMessage;
  }

  async join(room: string, nick: string): Promise<void> {
    this.child.command({ cmd: 'join', room, nick });
    await this.child.waitFor((e) => e.event === 'joined' && e.room === room, 15_000, `slixmpp in ${room}`);
  }

  /** Sends a message, with out-of-band data when `url` is given; resolves once slixmpp sent it. */
  async send(to: string, body: string, url?: string, desc?: string): Promise<void> {
    this.tags += 1;
    const tag = `s${this.tags}`;
    this.child.command({ cmd: 'send', tag, to, type: 'chat', body, url, desc });
    await this.child.waitFor((e) => e.event === 'sent' && e.tag === tag, 10_000, 'slixmpp sent');
  }

  /** Uploads with slixmpp's own XEP-0363 client and sends the link to `to`; resolves with the link. */
  async upload(to: string, name: string, type: string, data: Buffer, desc?: string): Promise<string> {
    this.tags += 1;
    const tag = `u${this.tags}`;
    this.child.command({ cmd: 'upload', tag, to, name, type, data: data.toString('base64'), desc });
    const done = await this.child.waitFor((e) => (e.event === 'uploaded' || e.event === 'upload-failed') && e.tag === tag, 30_000, 'slixmpp upload');
    if (done.event !== 'uploaded') throw new Error(`slixmpp could not upload: ${done.event === 'upload-failed' ? done.error : done.event}`);
    return done.url;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
