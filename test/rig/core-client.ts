// The XMPP core without Node-RED, for tests and benchmarks: an XmppClient (or a bare Session)
// for a local Prosody, with what a config node would give it filled in.
import { XmppClient } from '../../nodes/core/client';
import { IqResponder } from '../../nodes/core/iq/iq-responder';
import { Dispatcher } from '../../nodes/core/session/dispatcher';
import { Session, type SessionOptions } from '../../nodes/core/session/session';
import { xmppLib } from '../../nodes/core/xmpp-lib';

export type TestSessionOptions = Omit<SessionOptions, 'dispatcher' | 'responder' | 'jid' | 'password' | 'security'> & Partial<Pick<SessionOptions, 'jid' | 'password' | 'security'>>;

function sessionOptions(options: TestSessionOptions): Omit<SessionOptions, 'dispatcher' | 'responder'> {
  return { jid: { local: 'bot', domain: 'localhost', resource: 'test' }, password: 'bot-pw', host: '127.0.0.1', security: 'none', ...options };
}

/** A client as the config node makes one, not started. Call loadXmpp() first. */
export function coreClient(options: TestSessionOptions): XmppClient {
  return new XmppClient({
    session: sessionOptions(options),
    presence: {},
    self: { identity: { category: 'client', type: 'bot' }, items: [], version: { name: 'test', version: '0' } },
  });
}

/** A bare session (no modules), with a dispatcher and a responder of its own. Call loadXmpp() first. */
export function coreSession(options: TestSessionOptions): { session: Session; dispatcher: Dispatcher; responder: IqResponder } {
  const dispatcher = new Dispatcher(() => undefined);
  const responder = new IqResponder(xmppLib().xml, () => undefined);
  return { session: new Session({ ...sessionOptions(options), dispatcher, responder }), dispatcher, responder };
}
