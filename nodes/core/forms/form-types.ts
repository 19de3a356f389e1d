// Data forms (XEP-0004) as plain objects: the fields a form asks for, and values typed per field.

export const FIELD_TYPES = ['text-single', 'text-private', 'text-multi', 'boolean', 'list-single', 'list-multi', 'jid-single', 'jid-multi', 'fixed', 'hidden'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** What a form is: asked (form), answered (submit), refused (cancel), or reported (result). */
export const FORM_TYPES = ['form', 'submit', 'cancel', 'result'] as const;
export type FormType = (typeof FORM_TYPES)[number];

/** Numbers a field takes (XEP-0122's xs:integer and xs:decimal); other fields are text. */
export type NumericType = 'integer' | 'decimal';

/** A value as a flow sees it: booleans, numbers for numeric fields, arrays for the -multi types and text-multi's lines joined by newlines. */
export type FieldValue = string | number | boolean | string[];

export interface FieldOption {
  value: string;
  label?: string | undefined;
}

export interface FormField {
  /** The field's name; absent only for 'fixed' fields. */
  var?: string | undefined;
  type: FieldType;
  label?: string | undefined;
  desc?: string | undefined;
  required?: boolean | undefined;
  numeric?: NumericType | undefined;
  /** For list-single and list-multi. */
  options?: FieldOption[] | undefined;
  /** The default (in a form) or the value (in a result). */
  value?: FieldValue | undefined;
}

export interface DataForm {
  type: FormType;
  title?: string | undefined;
  instructions?: string | undefined;
  fields: FormField[];
}

export type FormValues = Record<string, FieldValue>;

export function isFieldType(text: unknown): text is FieldType {
  return typeof text === 'string' && (FIELD_TYPES as readonly string[]).includes(text);
}

export function isMulti(type: FieldType): boolean {
  return type === 'list-multi' || type === 'jid-multi';
}
