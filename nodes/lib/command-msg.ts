// xmpp-command msgs: the flow's answer to a served step (msg.form for the next stage, or a
// completion note), a served step as a msg, and what call mode asks and gets back. Values are
// only read and checked, never evaluated.
import type { CommandCall, CommandReply } from '../core/commands/command-server';
import { isCommandAction, isNoteType, type CommandAction, type CommandResponse } from '../core/commands/command-stanza';
import { isFieldType, type DataForm, type FieldValue, type FormField } from '../core/forms/form-types';
import { formatJid, parseJid } from '../core/jid';
import { present, text, timeoutMs } from './msg-fields';
import { MsgError } from './node-error';
import type { Detail } from '../core/words';

export const DEFAULT_COMMAND_TIMEOUT_S = 30;

export type CommandMsgErrorCode = 'invalid-form' | 'invalid-note' | 'no-target' | 'invalid-jid' | 'invalid-timeout' | 'invalid-action' | 'invalid-values' | 'no-session';

export class CommandMsgError extends MsgError {
  declare readonly code: CommandMsgErrorCode;

  constructor(code: CommandMsgErrorCode, detail: Detail = '') {
    super('xmpp-command', code, detail);
    this.name = 'CommandMsgError';
  }
}

export function commandTimeoutOf(msgValue: unknown, fieldValue: unknown): number {
  return timeoutMs(msgValue, fieldValue, DEFAULT_COMMAND_TIMEOUT_S, (given) => new CommandMsgError('invalid-timeout', given));
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new CommandMsgError('invalid-form', what);
  return value;
}

function fieldValue(value: unknown, name: string): FieldValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new CommandMsgError('invalid-form', name);
}

/** One field of msg.form.fields: { var, type, label, desc, required, numeric ('integer' | 'decimal'), options, value }. */
function readField(value: unknown, index: number): FormField {
  const field = record(value);
  const where = `fields[${index}]`;
  if (!field) throw new CommandMsgError('invalid-form', where);
  const type = field.type ?? 'text-single';
  if (!isFieldType(type)) throw new CommandMsgError('invalid-form', `${where}.type`);
  const name = text(field.var);
  if (!name && type !== 'fixed') throw new CommandMsgError('invalid-form', `${where}.var`);
  const numeric = field.numeric;
  if (numeric !== undefined && numeric !== 'integer' && numeric !== 'decimal') throw new CommandMsgError('invalid-form', `${where}.numeric`);
  let options: FormField['options'];
  if (field.options !== undefined) {
    if (!Array.isArray(field.options)) throw new CommandMsgError('invalid-form', `${where}.options`);
    options = field.options.map((option: unknown) => {
      if (typeof option === 'string') return { value: option };
      const o = record(option);
      if (!o || typeof o.value !== 'string') throw new CommandMsgError('invalid-form', `${where}.options`);
      return { value: o.value, label: optionalText(o.label, `${where}.options`) };
    });
  }
  return {
    var: name,
    type,
    label: optionalText(field.label, `${where}.label`),
    desc: optionalText(field.desc, `${where}.desc`),
    required: field.required === true ? true : undefined,
    numeric,
    options,
    value: fieldValue(field.value, `${where}.value`),
  };
}

/** msg.form as a form to show: { title, instructions, fields, last }. */
export function readForm(value: unknown): { form: DataForm; last: boolean } {
  const form = record(value);
  if (!form || !Array.isArray(form.fields)) throw new CommandMsgError('invalid-form', 'fields');
  return {
    form: { type: 'form', title: optionalText(form.title, 'title'), instructions: optionalText(form.instructions, 'instructions'), fields: form.fields.map(readField) },
    last: form.last === true,
  };
}

/** The flow's answer: msg.form (the next stage) or a completion (msg.payload the note's text, msg.note its type). */
export function readCommandReply(msg: Record<string, unknown>): CommandReply {
  const noteType = msg.note ?? 'info';
  if (!isNoteType(noteType)) throw new CommandMsgError('invalid-note', String(noteType));
  const noteText = typeof msg.payload === 'string' ? msg.payload : msg.payload === undefined || msg.payload === null ? '' : JSON.stringify(msg.payload);
  const note = noteText !== '' ? { type: noteType, text: noteText } : undefined;
  if (present(msg.form)) {
    const { form, last } = readForm(msg.form);
    return { kind: 'form', form, last, note: typeof msg.payload === 'string' && msg.payload !== '' ? note : undefined };
  }
  return { kind: 'done', note };
}

/** A served step as the msg the serve node sends. */
export function stepMsg(call: CommandCall, replyId: string): Record<string, unknown> {
  return {
    command: { node: call.node, sessionid: call.sessionid, action: call.action, stage: call.stage },
    from: call.from,
    payload: call.values,
    topic: call.node,
    _command: { id: replyId },
  };
}

export function replyIdOf(msg: Record<string, unknown>): string | undefined {
  const id = record(msg._command)?.id;
  return typeof id === 'string' ? id : undefined;
}

export interface CallDefaults {
  to: string;
  node: string;
  timeout: unknown;
}

export type CommandCallRequest = { kind: 'list'; to: string; timeoutMs: number } | { kind: 'run'; to: string; node: string; sessionid: string | undefined; action: CommandAction | undefined; values: Record<string, unknown> | undefined; timeoutMs: number };

/** Call mode: msg.to, msg.command (its node; empty lists the commands), msg.sessionid, msg.action, msg.payload (the values), msg.timeout. */
export function readCommandCall(msg: Record<string, unknown>, defaults: CallDefaults): CommandCallRequest {
  const target = text(msg.to) ?? text(defaults.to);
  if (!target) throw new CommandMsgError('no-target');
  let to: string;
  try {
    to = formatJid(parseJid(target));
  } catch {
    throw new CommandMsgError('invalid-jid', target);
  }
  const timeout = commandTimeoutOf(msg.timeout, defaults.timeout);
  const node = text(msg.command) ?? text(record(msg.command)?.node) ?? text(defaults.node);
  if (!node) return { kind: 'list', to, timeoutMs: timeout };
  const action = msg.action === undefined || msg.action === null || msg.action === '' ? undefined : msg.action;
  if (action !== undefined && !isCommandAction(action)) throw new CommandMsgError('invalid-action', String(action));
  const sessionid = text(msg.sessionid) ?? text(record(msg.command)?.sessionid);
  if (action !== undefined && action !== 'execute' && !sessionid) throw new CommandMsgError('no-session', action);
  const payload = msg.payload;
  let values: Record<string, unknown> | undefined;
  if (sessionid && payload !== undefined && payload !== null && payload !== '') {
    values = record(payload);
    if (!values) throw new CommandMsgError('invalid-values', typeof payload);
  }
  return { kind: 'run', to, node, sessionid, action, values, timeoutMs: timeout };
}

/** What a call brings back, on the msg: the form or the notes' text as msg.payload, and the rest beside it. */
export function responseFields(response: CommandResponse): Record<string, unknown> {
  const noteText = response.notes.map((n) => n.text).join('\n');
  return {
    payload: response.form ? formValues(response.form) : noteText,
    form: response.form,
    note: response.notes[0]?.type,
    notes: response.notes,
    sessionid: response.status === 'executing' ? response.sessionid : undefined,
    status: response.status,
    actions: response.actions,
    command: { node: response.node, sessionid: response.sessionid, status: response.status },
  };
}

/** The values a returned form carries (a form's defaults, a result's values), by field name. */
export function formValues(form: DataForm): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const field of form.fields) if (field.var && field.value !== undefined) values[field.var] = field.value;
  return values;
}
