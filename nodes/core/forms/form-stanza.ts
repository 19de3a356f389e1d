// Data forms (XEP-0004) between <x xmlns='jabber:x:data'/> and plain objects, numeric fields
// marked with XEP-0122's <validate/> so that clients offer a number entry.
import { NS_DATA, NS_XDATA_VALIDATE } from '../namespaces';
import type { XmlElement, XmlFactory } from '../xmpp-lib';
import { FormError } from './form-error';
import { isFieldType, isMulti, type DataForm, type FieldType, type FieldValue, type FormField, type FormType, type NumericType } from './form-types';

const NUMERIC_DATATYPES: Record<string, NumericType> = { 'xs:integer': 'integer', 'xs:int': 'integer', 'xs:long': 'integer', 'xs:short': 'integer', 'xs:byte': 'integer', 'xs:decimal': 'decimal', 'xs:double': 'decimal' };

/** Reads a form; a field of no type counts as text-single (XEP-0004 3.3). */
export function parseForm(x: XmlElement): DataForm {
  const type = x.attrs.type;
  if (type !== 'form' && type !== 'submit' && type !== 'cancel' && type !== 'result') throw new FormError('bad-form', '');
  const instructions = x.getChildren('instructions').map((el) => el.getText());
  return {
    type,
    title: x.getChildText('title') ?? undefined,
    instructions: instructions.length > 0 ? instructions.join('\n') : undefined,
    fields: x.getChildren('field').map(parseField),
  };
}

function parseField(el: XmlElement): FormField {
  const type: FieldType = isFieldType(el.attrs.type) ? el.attrs.type : 'text-single';
  const datatype = el.getChild('validate', NS_XDATA_VALIDATE)?.attrs.datatype;
  const numeric = datatype ? NUMERIC_DATATYPES[datatype] : undefined;
  const values = rawValues(el);
  const options = el.getChildren('option').map((o) => ({ value: o.getChildText('value') ?? '', label: o.attrs.label || undefined }));
  return {
    var: el.attrs.var || undefined,
    type,
    label: el.attrs.label || undefined,
    desc: el.getChildText('desc') ?? undefined,
    required: el.getChild('required') ? true : undefined,
    numeric,
    options: options.length > 0 ? options : undefined,
    value: values.length > 0 ? looseValue(type, numeric, values) : undefined,
  };
}

/** The <value/> texts of a field, in order. */
export function rawValues(field: XmlElement): string[] {
  return field.getChildren('value').map((v) => v.getText());
}

/** A value as given, typed where its text allows (a default or a result; submissions are checked by readSubmission). */
function looseValue(type: FieldType, numeric: NumericType | undefined, values: string[]): FieldValue {
  if (isMulti(type)) return values;
  if (type === 'text-multi') return values.join('\n');
  const first = values[0] ?? '';
  if (type === 'boolean') return first === '1' || first === 'true';
  if (numeric && first.trim() !== '' && Number.isFinite(Number(first))) return Number(first);
  return first;
}

/** A value as <value/> texts: booleans as 1/0, text-multi one line each. */
export function valueTexts(type: FieldType, value: FieldValue | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'boolean') return [value ? '1' : '0'];
  if (type === 'text-multi') return String(value).split(/\r?\n/);
  return [String(value)];
}

export function buildForm(xml: XmlFactory, form: DataForm): XmlElement {
  return xml(
    'x',
    { xmlns: NS_DATA, type: form.type },
    form.title !== undefined ? xml('title', {}, form.title) : undefined,
    ...(form.instructions !== undefined ? form.instructions.split(/\r?\n/).map((line) => xml('instructions', {}, line)) : []),
    ...form.fields.map((field) => buildField(xml, field, form.type)),
  );
}

function buildField(xml: XmlFactory, field: FormField, formType: FormType): XmlElement {
  const full = formType === 'form' || formType === 'result';
  return xml(
    'field',
    { var: field.var, type: full || field.type === 'hidden' ? field.type : undefined, label: full ? field.label : undefined },
    full && field.desc !== undefined ? xml('desc', {}, field.desc) : undefined,
    full && field.required ? xml('required') : undefined,
    full && field.numeric ? xml('validate', { xmlns: NS_XDATA_VALIDATE, datatype: field.numeric === 'integer' ? 'xs:integer' : 'xs:decimal' }, xml('basic')) : undefined,
    ...valueTexts(field.type, field.value).map((text) => xml('value', {}, text)),
    ...(full ? (field.options ?? []).map((o) => xml('option', { label: o.label }, xml('value', {}, o.value))) : []),
  );
}
