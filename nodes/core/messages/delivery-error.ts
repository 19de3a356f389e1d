// A message that was written but did not reach its recipient: it came back with an error
// ('bounced', with the condition the recipient or its server gave), or no delivery receipt came
// within the time we waited ('not-delivered': it may still arrive, we cannot tell).
import { XmppError } from '../errors';

export type DeliveryErrorCode = 'bounced' | 'not-delivered';

export interface DeliveryDetails {
  /** For 'bounced': the RFC 6120 condition (service-unavailable, item-not-found, …). */
  condition?: string | undefined;
  /** For 'bounced': where the error came from (the recipient, or its server). */
  from?: string | undefined;
  /** For 'not-delivered': how long we waited for the receipt. */
  waitedMs?: number | undefined;
}

export class DeliveryError extends XmppError {
  /** For 'bounced': where the error came from. */
  readonly from: string;
  /** For 'not-delivered': how long we waited, in ms. */
  readonly waitedMs: number;

  constructor(
    code: DeliveryErrorCode,
    /** The recipient, as the message was addressed. */
    readonly recipient: string,
    details: DeliveryDetails = {},
  ) {
    super(code, details.condition ? `${recipient}: ${details.condition}` : recipient, details.condition);
    this.from = details.from ?? '';
    this.waitedMs = details.waitedMs ?? 0;
  }
}
