// A query answered by a flow (disco answer mode, RPC serving): the first answer counts and later
// ones are ignored, it frees the caller's place in its limit, and it is encoded and checked
// before it goes out; a handler that throws gets `fallback` as its answer.
import type { XmppError } from '../errors';
import type { IqAnswer } from './iq-responder';

/** What an answer becomes: the child to send, and the error its sender is told of (too large, unencodable). */
export type EncodedAnswer = { element: IqAnswer; error?: XmppError | undefined };

export function answerOnce<T>(release: () => void, encode: (outcome: T) => EncodedAnswer, hand: (respond: (outcome: T) => XmppError | undefined) => void, fallback: T): Promise<IqAnswer> {
  return new Promise<IqAnswer>((resolve) => {
    let answered = false;
    const respond = (outcome: T): XmppError | undefined => {
      if (answered) return undefined;
      answered = true;
      release();
      const { element, error } = encode(outcome);
      resolve(element);
      return error;
    };
    try {
      hand(respond);
    } catch {
      respond(fallback);
    }
  });
}
