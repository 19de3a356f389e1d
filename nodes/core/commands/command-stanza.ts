// Ad-hoc commands (XEP-0050): <command xmlns='http://jabber.org/protocol/commands'/> ↔ plain
// objects, both as the responder answers and as the requester reads.
import { parseForm, buildForm } from '../forms/form-stanza';
import type { DataForm } from '../forms/form-types';
import { NS_COMMANDS, NS_DATA, NS_STANZAS } from '../namespaces';
import type { ErrorType } from '../stanza-error';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

export const COMMAND_ACTIONS = ['execute', 'next', 'prev', 'complete', 'cancel'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];
export type CommandStatus = 'executing' | 'completed' | 'canceled';
export const NOTE_TYPES = ['info', 'warn', 'error'] as const;
export type NoteType = (typeof NOTE_TYPES)[number];

export interface CommandNote {
  type: NoteType;
  text: string;
}

/** What a requester sends. */
export interface CommandRequestStanza {
  node: string;
  sessionid: string | undefined;
  action: CommandAction;
  /** The submitted <x/>, when there is one. */
  form: XmlElement | undefined;
}

/** What a responder answers. */
export interface CommandResponse {
  node: string;
  sessionid: string;
  status: CommandStatus;
  /** The actions offered next, the default (execute) first; empty once completed. */
  actions: CommandAction[];
  notes: CommandNote[];
  form: DataForm | undefined;
}

export function isCommandAction(text: unknown): text is CommandAction {
  return typeof text === 'string' && (COMMAND_ACTIONS as readonly string[]).includes(text);
}

export function isNoteType(text: unknown): text is NoteType {
  return typeof text === 'string' && (NOTE_TYPES as readonly string[]).includes(text);
}

/** A request as it arrived; undefined for an action the protocol does not know (malformed-action). */
export function readRequest(command: XmlElement): CommandRequestStanza | undefined {
  const action = command.attrs.action ?? 'execute';
  if (!isCommandAction(action)) return undefined;
  return { node: command.attrs.node ?? '', sessionid: command.attrs.sessionid || undefined, action, form: command.getChild('x', NS_DATA) };
}

export function buildRequest(xml: XmlFactory, node: string, sessionid: string | undefined, action: CommandAction, form?: XmlElement): XmlElement {
  return xml('command', { xmlns: NS_COMMANDS, node, sessionid, action }, form);
}

export function buildResponse(xml: XmlFactory, response: CommandResponse): XmlElement {
  const [preferred, ...others] = response.actions;
  return xml(
    'command',
    { xmlns: NS_COMMANDS, node: response.node, sessionid: response.sessionid, status: response.status },
    preferred ? xml('actions', { execute: preferred }, ...[...new Set([preferred, ...others])].map((a) => xml(a))) : undefined,
    ...response.notes.map((note) => xml('note', { type: note.type }, note.text)),
    response.form ? buildForm(xml, response.form) : undefined,
  );
}

export function readResponse(command: XmlElement | undefined): CommandResponse {
  const status = command?.attrs.status;
  const actionsEl = command?.getChild('actions');
  const offered = (actionsEl?.getChildElements() ?? []).map((el) => el.name).filter(isCommandAction);
  const execute = actionsEl?.attrs.execute;
  const actions = isCommandAction(execute) ? [execute, ...offered.filter((a) => a !== execute)] : offered;
  const x = command?.getChild('x', NS_DATA);
  return {
    node: command?.attrs.node ?? '',
    sessionid: command?.attrs.sessionid ?? '',
    status: status === 'completed' || status === 'canceled' ? status : 'executing',
    actions,
    notes: (command?.getChildren('note') ?? []).map((n) => ({ type: isNoteType(n.attrs.type) ? n.attrs.type : 'info', text: n.getText() })),
    form: x ? parseForm(x) : undefined,
  };
}

/** XEP-0050 4.6's errors: a general condition with the commands-specific one beside it. */
export type CommandCondition = 'bad-action' | 'bad-locale' | 'bad-payload' | 'bad-sessionid' | 'malformed-action' | 'session-expired';

export function commandError(xml: XmlFactory, type: ErrorType, general: string, specific: CommandCondition): XmlElement {
  return xml('error', { type }, xml(general, { xmlns: NS_STANZAS }), xml(specific, { xmlns: NS_COMMANDS }));
}
