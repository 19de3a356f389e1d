// Drives test/rig/slix-presence.py: a slixmpp client whose presence a test sets step by step.
import { SlixChild } from './slix-child';

export type SlixEvent =
  | { event: 'ready' }
  | { event: 'ack'; command: string }
  | { event: 'message'; from: string; body: string }
  | { event: 'subscribe'; from: string };

export type SlixCommand = 'available' | 'chat' | 'away' | 'xa' | 'dnd' | 'unavailable' | `status ${string}` | `subscribe ${string}`;

export class SlixPresence {
  private constructor(private readonly child: SlixChild<SlixEvent>) {}

  /** Every event so far, in order. */
  get events(): SlixEvent[] {
    return this.child.events;
  }

  /** Logs in (plain TCP to 127.0.0.1:port) and resolves once it is available. */
  static async start(jid: string, password: string, port: number): Promise<SlixPresence> {
    const peer = new SlixPresence(new SlixChild<SlixEvent>('slix-presence.py', [jid, password, String(port)], 'slixmpp presence peer'));
    await peer.child.ready(15_000);
    return peer;
  }

  /** The bodies of the messages received so far. */
  get bodies(): string[] {
    return this.events.flatMap((e) => (e.event === 'message' ? [e.body] : []));
  }

  /** Resolves with the first event (already seen, from index `from` on, or coming) that matches. */
  waitFor(match: (event: SlixEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event', from = 0): Promise<SlixEvent> {
    return this.child.waitFor(match, timeoutMs, what, from);
  }

  /** Carries out one command and resolves once the peer has sent the presence. */
  async command(command: SlixCommand): Promise<void> {
    const from = this.events.length;
    this.child.line(command);
    await this.waitFor((e) => e.event === 'ack' && e.command === command, 10_000, `ack of ${command}`, from);
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
