// A submission checked against the form that asked for it: every value typed per the asking
// field (booleans, numbers for numeric fields, arrays for -multi), options and required fields
// enforced; the first misfit is a FormError naming the field.
import { parseJid } from '../jid';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { NS_DATA } from '../namespaces';
import { FormError } from './form-error';
import { buildForm, rawValues } from './form-stanza';
import { isMulti, type FieldValue, type FormField, type FormValues } from './form-types';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The values a submitted <x type='submit'/> gives the fields `asked` declares (others are ignored). */
export function readSubmission(asked: readonly FormField[], x: XmlElement | undefined): FormValues {
  const given = new Map<string, string[]>();
  if (x) {
    if (x.getNS() !== NS_DATA || (x.attrs.type !== 'submit' && x.attrs.type !== undefined)) throw new FormError('bad-form', '');
    for (const field of x.getChildren('field')) if (field.attrs.var) given.set(field.attrs.var, rawValues(field));
  }
  return typedValues(asked, (name) => given.get(name) ?? []);
}

/** Checks and types values given as texts per field name. */
export function typedValues(asked: readonly FormField[], textsOf: (name: string) => string[]): FormValues {
  const values: FormValues = {};
  for (const field of asked) {
    if (!field.var || field.type === 'fixed') continue;
    // Clients send an emptied field as one empty <value/>: that is no value.
    const raw = textsOf(field.var);
    const texts = raw.length === 1 && raw[0]?.trim() === '' ? [] : raw;
    if (texts.length === 0) {
      if (field.required) throw new FormError('required', field.var);
      continue;
    }
    values[field.var] = typedValue(field, field.var, texts);
  }
  return values;
}

function typedValue(field: FormField, name: string, texts: string[]): FieldValue {
  if (isMulti(field.type)) {
    for (const text of texts) checkOne(field, name, text);
    return texts;
  }
  if (field.type === 'text-multi') return texts.join('\n');
  if (texts.length > 1) throw new FormError('too-many-values', name);
  const text = texts[0] ?? '';
  checkOne(field, name, text);
  if (field.type === 'boolean') return text === '1' || text === 'true';
  if (field.numeric) return Number(text);
  return text;
}

function checkOne(field: FormField, name: string, text: string): void {
  if (field.type === 'boolean' && !['0', '1', 'true', 'false'].includes(text)) throw new FormError('wrong-type', name);
  if (field.numeric && !(field.numeric === 'integer' ? INTEGER : DECIMAL).test(text.trim())) throw new FormError('wrong-type', name);
  if ((field.type === 'jid-single' || field.type === 'jid-multi') && !isJid(text)) throw new FormError('wrong-type', name);
  if ((field.type === 'list-single' || field.type === 'list-multi') && field.options && !field.options.some((o) => o.value === text)) throw new FormError('not-an-option', name);
}

function isJid(text: string): boolean {
  try {
    parseJid(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A flow's values for a form it was given, checked and typed as the form asks, as the
 * <x type='submit'/> to send back; the form's hidden fields go back as they came.
 */
export function buildSubmission(xml: XmlFactory, asked: readonly FormField[], given: Record<string, unknown>): XmlElement {
  const textsOf = (name: string): string[] => {
    const field = asked.find((f) => f.var === name);
    const value = Object.prototype.hasOwnProperty.call(given, name) ? given[name] : field?.type === 'hidden' ? field.value : undefined;
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.map((v) => textOf(v, name));
    const text = textOf(value, name);
    return field?.type === 'text-multi' ? text.split(/\r?\n/) : [text];
  };
  const values = typedValues(asked, textsOf);
  const fields = asked.filter((f) => f.var && f.type !== 'fixed' && values[f.var] !== undefined).map((f) => ({ var: f.var, type: f.type, value: values[f.var as string] }));
  return buildForm(xml, { type: 'submit', fields });
}

function textOf(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new FormError('wrong-type', name);
}
