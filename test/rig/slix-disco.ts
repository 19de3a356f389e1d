// Drives test/rig/slix-disco.py: a slixmpp client (two resources) that describes itself over
// service discovery, asks others, and misbehaves on the disco nodes "silent" and "forged".
import { SlixChild } from './slix-child';

export type SlixDiscoEvent =
  | { event: 'ready'; jid: string; twin: string }
  | { event: 'swallowed' | 'forged'; node: string; id: string; from: string }
  | { event: 'answer'; tag: string; identities: string[][]; features: string[]; items: string[][] }
  | { event: 'error'; tag: string; condition: string; text: string };

export type SlixDiscoAnswer = Extract<SlixDiscoEvent, { event: 'answer' | 'error' }>;

export class SlixDisco {
  /** The full JID that answers and its twin resource. */
  jid = '';
  twin = '';
  private tags = 0;

  private constructor(private readonly child: SlixChild<SlixDiscoEvent>) {}

  get events(): SlixDiscoEvent[] {
    return this.child.events;
  }

  /** Logs in both resources and resolves once both are available. */
  static async start(jid: string, password: string, port: number): Promise<SlixDisco> {
    const peer = new SlixDisco(new SlixChild<SlixDiscoEvent>('slix-disco.py', [jid, password, String(port)], 'slixmpp disco peer'));
    const ready = await peer.child.ready(20_000);
    if (ready.event === 'ready') {
      peer.jid = ready.jid;
      peer.twin = ready.twin;
    }
    return peer;
  }

  waitFor(match: (event: SlixDiscoEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event'): Promise<SlixDiscoEvent> {
    return this.child.waitFor(match, timeoutMs, what);
  }

  /** Asks jid (and node) for disco#info or disco#items; resolves with the answer or the error's condition. */
  async ask(kind: 'info' | 'items', jid: string, node?: string): Promise<SlixDiscoAnswer> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.command({ tag, kind, jid, node });
    const answer = await this.child.waitFor((e) => (e.event === 'answer' || e.event === 'error') && e.tag === tag, 15_000, `answer to ${kind} ${jid} ${node ?? ''}`);
    return answer as SlixDiscoAnswer;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
