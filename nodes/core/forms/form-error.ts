// A form that does not fit what was asked, with a name per failure and the field it concerns.

export const FORM_ERROR_CODES = ['wrong-type', 'required', 'not-an-option', 'too-many-values', 'bad-form'] as const;
export type FormErrorCode = (typeof FORM_ERROR_CODES)[number];

export class FormError extends Error {
  constructor(
    readonly code: FormErrorCode,
    /** The field's var ('' for the form as a whole). */
    readonly field: string,
  ) {
    super(field ? `${code}: ${field}` : code);
    this.name = 'FormError';
  }
}
