// The one way any error becomes what a node reports: a localized, secret-free text, and for
// done(err) an Error carrying `code` (a refusal from the other side is named by its condition)
// and, for RPC faults, faultCode and faultString; for a failed HTTP transfer, its status; for a
// message that could not be encrypted, the OMEMO code (no-devices, no-trusted-devices …).
import { XmppError } from '../core/errors';
import { FileError } from '../core/files/file-error';
import { FormError } from '../core/forms/form-error';
import { EncryptionError } from '../core/omemo/encryption-error';
import { DeliveryError } from '../core/messages/delivery-error';
import { RoomError } from '../core/rooms/room';
import { RpcFaultError } from '../core/rpc/rpc-stanza';
import { detailCode, wordsOf, type Detail, type Words } from '../core/words';
import { detailText, triedText, type Translate } from './status-text';

/** A msg a node cannot use: `code` is a locale key under `<section>.error`. */
export class MsgError extends Error {
  /** What was wrong, as data; words as a language-free code. */
  readonly detail: string;
  /** The detail as words, translated when the error is told. */
  readonly words: Words | undefined;

  constructor(
    readonly section: string,
    readonly code: string,
    detail: Detail = '',
  ) {
    const text = detailCode(detail);
    super(text ? `${code}: ${text}` : code);
    this.name = 'MsgError';
    this.detail = text;
    this.words = wordsOf(detail);
  }
}

/** The text for an error: a msg's in its node's words, a room's in the words of the node using it (`section`), else the connection's. */
export function describeError(t: Translate, error: unknown, section?: string): string {
  // Texts put the detail in brackets; without one, the brackets go too.
  const text = (key: string, substitutions: Record<string, string>): string => t(key, substitutions).replace(/ \(\)$/, '');
  if (error instanceof MsgError) return text(`${error.section}.error.${error.code}`, { detail: detailText(t, error) });
  // Values that do not fit a command's form, named by the field.
  if (error instanceof FormError) return t(`xmpp-command.form-error.${error.code}`, { field: error.field });
  if (error instanceof FileError) return text(`xmpp-config.file-error.${error.code}`, { detail: detailText(t, error) });
  if (error instanceof EncryptionError) return text(`xmpp-config.omemo-error.${error.code}`, { detail: detailText(t, error) });
  // A room's failure in the words of the node that uses the room (xmpp-in, xmpp-out).
  if (error instanceof RoomError) return text(`${section ?? 'xmpp-config'}.error.${error.code}`, { detail: detailText(t, error), room: error.room });
  // A message that did not arrive names its recipient, and why (the condition, or how long we waited).
  if (error instanceof DeliveryError) {
    return text(`xmpp-config.error.${error.code}`, { jid: error.recipient, condition: error.condition ?? '', seconds: String(Math.round(error.waitedMs / 1000)), detail: detailText(t, error) });
  }
  // A failure to reach the server names the addresses tried, each in words.
  if (error instanceof XmppError) return text(`xmpp-config.error.${error.code}`, { detail: triedText(t, error) || detailText(t, error) });
  return error instanceof Error ? error.message : String(error);
}

/** The Error for done(err) (and node.error): the text above, and what flows branch on. */
export function nodeError(t: Translate, error: unknown, section?: string): Error {
  const failure = new Error(describeError(t, error, section));
  if (error instanceof MsgError || error instanceof FileError || error instanceof FormError || error instanceof EncryptionError) Object.assign(failure, { code: error.code });
  if (error instanceof FileError && error.status !== undefined) Object.assign(failure, { status: error.status });
  // A refusal from the other side is named by its condition; a room's or a delivery's failure by its own code.
  if (error instanceof XmppError) Object.assign(failure, { code: error instanceof RoomError || error instanceof DeliveryError ? error.code : (error.condition ?? error.code) });
  if (error instanceof RpcFaultError) Object.assign(failure, { faultCode: error.fault.faultCode, faultString: error.fault.faultString });
  return failure;
}
