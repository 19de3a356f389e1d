// Serving ad-hoc commands (XEP-0050): each command by node name to the callers its registration
// lets in (anyone else gets forbidden), sessions for multi-stage commands, 'prev' and 'cancel'
// answered here, a submission checked against the form it answers (a misfit comes back as the
// same form with an error note), and a flow that does not answer in time turned into an error.
import { XmppError } from '../errors';
import { FormError } from '../forms/form-error';
import type { DataForm, FormValues } from '../forms/form-types';
import { readSubmission } from '../forms/form-values';
import { answerOnce } from '../iq/flow-answer';
import { answerTooLarge, type IncomingIq, type IqAnswer } from '../iq/iq-responder';
import { NS_COMMANDS } from '../namespaces';
import type { ClientPort } from '../port';
import { errorElement } from '../stanza-error';
import type { XmlElement } from '../xmpp-lib';
import { CommandSessions, type CommandSession, type SessionLimits } from './command-sessions';
import { buildResponse, commandError, readRequest, type CommandAction, type CommandNote, type CommandRequestStanza } from './command-stanza';

export type CommandServerPort = Pick<ClientPort, 'xml' | 'maxStanzaBytes' | 'handleIq'>;

/** One step of a served command, as the flow sees it. */
export interface CommandCall {
  node: string;
  sessionid: string;
  /** 'execute' for the first step; then what the caller chose ('next' or 'complete'). */
  action: Exclude<CommandAction, 'prev' | 'cancel'>;
  /** 1 for the first step, 2 once the first form is submitted, … */
  stage: number;
  /** The caller's full JID. */
  from: string;
  /** The submitted form's values, typed per the form shown. */
  values: FormValues;
}

/** The flow's answer to a step: the next stage's form, or the end (with a note, or a result form). */
export type CommandReply = { kind: 'form'; form: DataForm; last?: boolean | undefined; note?: CommandNote | undefined } | { kind: 'done'; note?: CommandNote | undefined; result?: DataForm | undefined };

/** Answers one step once; returns the error when it cannot be sent (too large): the caller then gets internal-server-error. */
export type CommandRespond = (reply: CommandReply) => XmppError | undefined;

/** Takes one step; must end with respond() (a throw answers internal-server-error). */
export type CommandHandler = (call: CommandCall, respond: CommandRespond) => void;

export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

export interface CommandDefinition {
  node: string;
  /** The human name clients show in their menu. */
  name: string;
  /** Who may see and run it. */
  may: (from: string) => boolean;
  /** How long the flow may take over a step before the caller gets an error. */
  answerTimeoutMs?: number | undefined;
  /** How long a session waits for its caller's next step. */
  sessionTtlMs?: number | undefined;
  /** The note's text for a submission that does not fit its form (default: the code and the field). */
  describe?: ((error: FormError) => string) | undefined;
}

interface Registration extends CommandDefinition {
  handler: CommandHandler;
}

type Outcome = CommandReply | { kind: 'timeout' } | { kind: 'failed' };

export class CommandServer {
  private readonly commands = new Map<string, Registration>();
  private readonly sessions: CommandSessions;

  constructor(
    private readonly port: CommandServerPort,
    limits?: SessionLimits,
    now?: () => number,
  ) {
    this.sessions = new CommandSessions(limits, now);
    port.handleIq('set', NS_COMMANDS, 'command', (iq) => this.answer(iq));
  }

  /** Serves one command; returns the remover (its open sessions end with it). */
  serve(definition: CommandDefinition, handler: CommandHandler): () => void {
    const registration: Registration = { ...definition, handler };
    this.commands.set(definition.node, registration);
    return () => {
      if (this.commands.get(definition.node) !== registration) return;
      this.commands.delete(definition.node);
      this.sessions.endAll(definition.node);
    };
  }

  /** The commands `from` may run, as the disco list shows them. */
  visibleTo(from: string): { node: string; name: string }[] {
    return [...this.commands.values()].filter((c) => c.may(from)).map((c) => ({ node: c.node, name: c.name }));
  }

  /** The command `from` may run by that node name; undefined when there is none or it is not for them. */
  commandFor(node: string, from: string): { node: string; name: string } | undefined {
    const command = this.commands.get(node);
    return command && command.may(from) ? { node: command.node, name: command.name } : undefined;
  }

  get serving(): number {
    return this.commands.size;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  private answer(iq: IncomingIq): IqAnswer | Promise<IqAnswer> {
    const xml = this.port.xml;
    const request = readRequest(iq.child);
    if (!request) return commandError(xml, 'modify', 'bad-request', 'malformed-action');
    const command = this.commands.get(request.node);
    if (!command) return errorElement(xml, 'cancel', 'item-not-found');
    if (!command.may(iq.from)) return errorElement(xml, 'auth', 'forbidden');
    if (!request.sessionid) {
      if (request.action !== 'execute') return commandError(xml, 'modify', 'bad-request', 'bad-sessionid');
      const session = this.sessions.start(iq.from, command.node, command.sessionTtlMs);
      if (!session) return errorElement(xml, 'wait', 'resource-constraint');
      return this.askFlow(iq, command, session, 'execute', {});
    }
    const found = this.sessions.find(request.sessionid, iq.from, command.node);
    if ('problem' in found) return found.problem === 'expired' ? commandError(xml, 'cancel', 'not-allowed', 'session-expired') : commandError(xml, 'modify', 'bad-request', 'bad-sessionid');
    const session = found.session;
    if (session.busy) return errorElement(xml, 'wait', 'unexpected-request');
    this.sessions.touch(session);
    return this.step(iq, command, session, request);
  }

  private step(iq: IncomingIq, command: Registration, session: CommandSession, request: CommandRequestStanza): IqAnswer | Promise<IqAnswer> {
    const xml = this.port.xml;
    if (request.action === 'cancel') {
      this.sessions.end(session);
      return buildResponse(xml, { node: command.node, sessionid: session.id, status: 'canceled', actions: [], notes: [], form: undefined });
    }
    if (request.action === 'prev') {
      if (session.forms.length < 2) return commandError(xml, 'modify', 'bad-request', 'bad-action');
      session.forms.pop();
      return this.showLast(session);
    }
    const shown = session.forms.at(-1);
    if (!shown) return commandError(xml, 'modify', 'bad-request', 'bad-sessionid');
    let values: FormValues;
    try {
      values = readSubmission(shown.form.fields, request.form);
    } catch (error) {
      if (!(error instanceof FormError)) throw error;
      const text = command.describe ? command.describe(error) : error.message;
      return this.showLast(session, { type: 'error', text });
    }
    // 'execute' within a session is the stage's default action: complete on the last stage.
    const action = request.action === 'execute' ? (shown.last ? 'complete' : 'next') : request.action;
    return this.askFlow(iq, command, session, action === 'complete' ? 'complete' : 'next', values);
  }

  /** The form the caller is at, again (after 'prev', or with a note on what did not fit). */
  private showLast(session: CommandSession, note?: CommandNote): XmlElement {
    const shown = session.forms.at(-1);
    const actions: CommandAction[] = [shown?.last ? 'complete' : 'next'];
    if (session.forms.length > 1) actions.push('prev');
    return buildResponse(this.port.xml, { node: session.node, sessionid: session.id, status: 'executing', actions, notes: note ? [note] : [], form: shown?.form });
  }

  private askFlow(iq: IncomingIq, command: Registration, session: CommandSession, action: CommandCall['action'], values: FormValues): Promise<IqAnswer> {
    const xml = this.port.xml;
    session.busy = true;
    let timer: NodeJS.Timeout | undefined;
    const release = (): void => {
      clearTimeout(timer);
      session.busy = false;
      this.sessions.touch(session);
    };
    const call: CommandCall = { node: command.node, sessionid: session.id, action, stage: session.forms.length + 1, from: iq.from, values };
    return answerOnce<Outcome>(
      release,
      (outcome) => this.encode(iq, session, outcome),
      (respond) => {
        timer = setTimeout(() => respond({ kind: 'timeout' }), command.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS);
        timer.unref();
        command.handler(call, respond);
      },
      { kind: 'failed' },
    ).then((answer) => answer ?? errorElement(xml, 'cancel', 'internal-server-error'));
  }

  private encode(iq: IncomingIq, session: CommandSession, outcome: Outcome): { element: XmlElement; error?: XmppError | undefined } {
    const xml = this.port.xml;
    if (outcome.kind === 'timeout' || outcome.kind === 'failed') {
      this.sessions.end(session);
      return { element: outcome.kind === 'timeout' ? errorElement(xml, 'wait', 'remote-server-timeout') : errorElement(xml, 'cancel', 'internal-server-error') };
    }
    let element: XmlElement;
    if (outcome.kind === 'form') {
      session.forms.push({ form: { ...outcome.form, type: 'form' }, last: outcome.last ?? false });
      element = this.showLast(session, outcome.note);
    } else {
      this.sessions.end(session);
      element = buildResponse(xml, { node: session.node, sessionid: session.id, status: 'completed', actions: [], notes: outcome.note ? [outcome.note] : [], form: outcome.result ? { ...outcome.result, type: 'result' } : undefined });
    }
    const tooLarge = answerTooLarge(xml, iq, element, this.port.maxStanzaBytes);
    if (!tooLarge) return { element };
    this.sessions.end(session);
    return { element: errorElement(xml, 'cancel', 'internal-server-error'), error: tooLarge };
  }
}
