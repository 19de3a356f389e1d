import { strict as assert } from 'node:assert';
import { capsVer } from '../../nodes/core/disco/caps';

const CAPS = 'http://jabber.org/protocol/caps';
const INFO = 'http://jabber.org/protocol/disco#info';
const ITEMS = 'http://jabber.org/protocol/disco#items';
const MUC = 'http://jabber.org/protocol/muc';

describe('entity capabilities (XEP-0115)', () => {
  it('computes the simple example of XEP-0115 5.2', () => {
    assert.equal(capsVer({ identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }], features: [MUC, INFO, ITEMS, CAPS], forms: [] }), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('computes the complex example of XEP-0115 5.3: languages, unicode names and an extended-info form', () => {
    const ver = capsVer({
      identities: [
        { category: 'client', type: 'pc', lang: 'en', name: 'Psi 0.11' },
        { category: 'client', type: 'pc', lang: 'el', name: 'Ψ 0.11' },
      ],
      features: [CAPS, INFO, ITEMS, MUC],
      forms: [
        {
          type: 'result',
          formType: 'urn:xmpp:dataforms:softwareinfo',
          fields: { ip_version: ['ipv4', 'ipv6'], os: ['Mac'], os_version: ['10.5.1'], software: ['Psi'], software_version: ['0.11'] },
        },
      ],
    });
    assert.equal(ver, 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('changes when a feature is added', () => {
    const base = { identities: [{ category: 'client', type: 'bot' }], features: [INFO], forms: [] };
    assert.notEqual(capsVer(base), capsVer({ ...base, features: [INFO, 'jabber:iq:rpc'] }));
  });
});
