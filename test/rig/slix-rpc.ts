// Drives test/rig/slix-rpc.py: a slixmpp client with its XEP-0009 plugin that serves a few
// methods (echo, ping, fail, silent, forged) and calls others on command.
import { SlixChild } from './slix-child';

/** A value as the script writes and reads it: JSON, with dateTime and base64 tagged. */
export type SlixValue = string | number | boolean | null | { $date: string } | { $b64: string } | SlixValue[] | { [name: string]: SlixValue };

export type SlixRpcEvent =
  | { event: 'ready'; jid: string; twin: string }
  | { event: 'swallowed' | 'forged'; id: string; from: string }
  | { event: 'result'; tag: string; value: SlixValue }
  | { event: 'fault'; tag: string; code: number; string: string }
  | { event: 'error'; tag: string; condition: string };

export type SlixRpcOutcome = Extract<SlixRpcEvent, { event: 'result' | 'fault' | 'error' }>;

export class SlixRpc {
  /** The full JID that answers and its twin resource. */
  jid = '';
  twin = '';
  private tags = 0;

  private constructor(private readonly child: SlixChild<SlixRpcEvent>) {}

  get events(): SlixRpcEvent[] {
    return this.child.events;
  }

  /** Logs in both resources and resolves once both are available. */
  static async start(jid: string, password: string, port: number): Promise<SlixRpc> {
    const peer = new SlixRpc(new SlixChild<SlixRpcEvent>('slix-rpc.py', [jid, password, String(port)], 'slixmpp rpc peer'));
    const ready = await peer.child.ready(20_000);
    if (ready.event === 'ready') {
      peer.jid = ready.jid;
      peer.twin = ready.twin;
    }
    return peer;
  }

  waitFor(match: (event: SlixRpcEvent) => boolean, timeoutMs = 10_000, what = 'slixmpp event'): Promise<SlixRpcEvent> {
    return this.child.waitFor(match, timeoutMs, what);
  }

  /** Calls method on jid with params; resolves with the result, the fault or the error's condition. */
  async call(jid: string, method: string, params: SlixValue[], timeoutS = 10): Promise<SlixRpcOutcome> {
    this.tags += 1;
    const tag = `t${this.tags}`;
    this.child.command({ tag, jid, method, params, timeout: timeoutS });
    const outcome = await this.child.waitFor((e) => (e.event === 'result' || e.event === 'fault' || e.event === 'error') && e.tag === tag, (timeoutS + 5) * 1000, `the answer to ${method} on ${jid}`);
    return outcome as SlixRpcOutcome;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
