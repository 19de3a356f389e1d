// Running another entity's ad-hoc commands (XEP-0050): its list (disco#items of the commands
// node), a first step, a later step with the flow's values typed as the last form asked, a
// cancel. The last form of each open session is kept (bounded) to type what is submitted.
import type { DiscoItem } from '../disco/disco-stanza';
import type { DiscoClient } from '../disco/disco-client';
import type { FormField } from '../forms/form-types';
import { buildSubmission } from '../forms/form-values';
import { NS_COMMANDS } from '../namespaces';
import type { ClientPort } from '../port';
import { buildRequest, readResponse, type CommandAction, type CommandResponse } from './command-stanza';

export type CommandCallerPort = Pick<ClientPort, 'xml' | 'request'>;

/** Open sessions whose last form is remembered; the oldest is forgotten beyond this. */
const REMEMBERED_SESSIONS = 200;

export interface CommandStep {
  to: string;
  node: string;
  /** Absent for the first step. */
  sessionid?: string | undefined;
  /** Default: execute (the responder's default action). */
  action?: CommandAction | undefined;
  /** Values for the form of the current stage. */
  values?: Record<string, unknown> | undefined;
}

export class CommandCaller {
  private readonly lastForms = new Map<string, readonly FormField[]>();

  constructor(
    private readonly port: CommandCallerPort,
    private readonly disco: Pick<DiscoClient, 'items'>,
  ) {}

  /** The commands `to` offers us. */
  list(to: string, timeoutMs: number): Promise<DiscoItem[]> {
    return this.disco.items(to, NS_COMMANDS, timeoutMs);
  }

  /** One step; rejects with FormError when the values do not fit the form, XmppError when the responder refuses. */
  async run(step: CommandStep, timeoutMs: number): Promise<CommandResponse> {
    const xml = this.port.xml;
    const key = `${step.to} ${step.sessionid ?? ''}`;
    const action = step.action ?? 'execute';
    const values = step.sessionid && action !== 'cancel' && action !== 'prev' ? step.values : undefined;
    // The form asked is unknown when it came to another process (a restart): the values go as given.
    const asked = values ? (this.lastForms.get(key) ?? untypedFields(values)) : undefined;
    const form = asked && values ? buildSubmission(xml, asked, values) : undefined;
    const answer = await this.port.request(xml('iq', { type: 'set', to: step.to }, buildRequest(xml, step.node, step.sessionid, action, form)), timeoutMs);
    const response = readResponse(answer.getChild('command', NS_COMMANDS));
    if (step.sessionid) this.lastForms.delete(key);
    if (response.status === 'executing' && response.sessionid && response.form) this.remember(`${step.to} ${response.sessionid}`, response.form.fields);
    return response;
  }

  private remember(key: string, fields: readonly FormField[]): void {
    this.lastForms.delete(key);
    this.lastForms.set(key, fields);
    if (this.lastForms.size > REMEMBERED_SESSIONS) {
      const oldest = this.lastForms.keys().next().value;
      if (oldest !== undefined) this.lastForms.delete(oldest);
    }
  }
}

/** Fields for values whose form we never saw: text, or several values for an array. */
function untypedFields(values: Record<string, unknown>): FormField[] {
  return Object.keys(values).map((name) => ({ var: name, type: Array.isArray(values[name]) ? 'list-multi' : 'text-single' }));
}
