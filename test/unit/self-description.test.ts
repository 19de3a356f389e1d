import { strict as assert } from 'node:assert';
import { SelfDescription } from '../../nodes/core/self-description';
import type { Session } from '../../nodes/core/session';
import { loadXmpp, type XmlElement, type XmppLib } from '../../nodes/core/xmpp-lib';

describe('what the bot says about itself', () => {
  let lib: XmppLib;
  before(async () => {
    lib = await loadXmpp();
  });

  /** Attaches to a stand-in session and returns the answer to a software-version query. */
  async function versionAnswer(description: SelfDescription): Promise<string> {
    const handlers = new Map<string, (stanza: XmlElement, child: XmlElement) => unknown>();
    const session = {
      xml: lib.xml,
      handleIq: (type: string, ns: string, name: string, handler: (stanza: XmlElement, child: XmlElement) => unknown) => (handlers.set(`${type} ${ns} ${name}`, handler), () => undefined),
      decoratePresence: () => () => undefined,
      refreshPresence: () => undefined,
    };
    description.attach(session as unknown as Session);
    const query = lib.xml('query', { xmlns: 'jabber:iq:version' });
    const answer = (await handlers.get('get jabber:iq:version query')?.(lib.xml('iq', { type: 'get' }, query), query)) as XmlElement;
    return answer.toString();
  }

  it('names the package and its version, and the operating system only when the user opted in', async () => {
    const identity = { category: 'client', type: 'bot' };
    const hidden = await versionAnswer(new SelfDescription(identity, [], { name: 'pkg', version: '1.2.3' }));
    assert.equal(hidden, '<query xmlns="jabber:iq:version"><name>pkg</name><version>1.2.3</version></query>');
    const shown = await versionAnswer(new SelfDescription(identity, [], { name: 'pkg', version: '1.2.3', os: 'Linux 6.1' }));
    assert.match(shown, /<os>Linux 6\.1<\/os>/);
  });
});
