// Drives test/rig/slix-adhoc.py: slixmpp clients with the xep_0050 and xep_0004 plugins that list
// and run another entity's ad-hoc commands on command.
import { SlixChild } from './slix-child';

export interface SlixForm {
  type: string;
  title: string;
  instructions: string;
  fields: { var: string; type: string; label: string; required: boolean; options: string[]; values: string[] }[];
}

export type SlixAdhocEvent =
  | { event: 'ready'; jids: string[] }
  | { event: 'items'; tag: string; items: [string, string, string][] }
  | { event: 'answer'; tag: string; status: string; sessionid: string; actions: string[]; notes: [string, string][]; form: SlixForm | null }
  | { event: 'error'; tag: string; condition: string; specific: string };

export type SlixAnswer = Extract<SlixAdhocEvent, { event: 'answer' | 'error' }>;

export interface RunStep {
  node: string;
  action?: string;
  sessionid?: string;
  values?: Record<string, string | string[]>;
}

export class SlixAdhoc {
  /** The callers' full JIDs, in the order given. */
  jids: string[] = [];
  private tags = 0;

  private constructor(private readonly child: SlixChild<SlixAdhocEvent>) {}

  /** Logs every JID in (one password for all) and resolves once all are available. */
  static async start(port: number, password: string, jids: string[]): Promise<SlixAdhoc> {
    const peer = new SlixAdhoc(new SlixChild<SlixAdhocEvent>('slix-adhoc.py', [String(port), password, ...jids], 'slixmpp ad-hoc callers'));
    const ready = await peer.child.ready(30_000);
    if (ready.event === 'ready') peer.jids = ready.jids;
    return peer;
  }

  /** The commands `jid` lists to caller `as`, as [jid, node, name]; or the error. */
  async list(as: number, jid: string): Promise<Extract<SlixAdhocEvent, { event: 'items' | 'error' }>> {
    const tag = this.tag();
    this.child.command({ tag, as, op: 'list', jid });
    return (await this.child.waitFor((e) => (e.event === 'items' || e.event === 'error') && e.tag === tag, 20_000, `the command list of ${jid}`)) as Extract<SlixAdhocEvent, { event: 'items' | 'error' }>;
  }

  /** One step of a command by caller `as`. */
  async run(as: number, jid: string, step: RunStep): Promise<SlixAnswer> {
    const tag = this.tag();
    this.child.command({ tag, as, op: 'run', jid, ...step });
    return (await this.child.waitFor((e) => (e.event === 'answer' || e.event === 'error') && e.tag === tag, 30_000, `the answer to ${step.node}`)) as SlixAnswer;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }

  private tag(): string {
    this.tags += 1;
    return `t${this.tags}`;
  }
}
