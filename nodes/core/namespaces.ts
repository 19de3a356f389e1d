// Every XML namespace the core speaks, in one place.

// RFC 6120: streams and their negotiation
export const NS_STREAM = 'http://etherx.jabber.org/streams';
export const NS_STREAM_ERRORS = 'urn:ietf:params:xml:ns:xmpp-streams';
export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
/** XEP-0440: the channel-binding types a server supports. */
export const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
// RFC 6121
export const NS_ROSTER = 'jabber:iq:roster';
// Extensions, by XEP number
export const NS_DATA = 'jabber:x:data'; // XEP-0004
export const NS_RPC = 'jabber:iq:rpc'; // XEP-0009
export const NS_COMMANDS = 'http://jabber.org/protocol/commands'; // XEP-0050
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'; // XEP-0030
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items'; // XEP-0030
export const NS_MUC = 'http://jabber.org/protocol/muc'; // XEP-0045
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
export const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
export const NS_OOB = 'jabber:x:oob'; // XEP-0066
export const NS_VERSION = 'jabber:iq:version'; // XEP-0092
export const NS_XDATA_VALIDATE = 'http://jabber.org/protocol/xdata-validate'; // XEP-0122
export const NS_CAPS = 'http://jabber.org/protocol/caps'; // XEP-0115
export const NS_SM = 'urn:xmpp:sm:3'; // XEP-0198
export const NS_PING = 'urn:xmpp:ping'; // XEP-0199
export const NS_DELAY = 'urn:xmpp:delay'; // XEP-0203
export const NS_HTTP_UPLOAD = 'urn:xmpp:http:upload:0'; // XEP-0363
export const NS_RECEIPTS = 'urn:xmpp:receipts'; // XEP-0184
export const NS_CARBONS = 'urn:xmpp:carbons:2'; // XEP-0280
export const NS_FORWARD = 'urn:xmpp:forward:0'; // XEP-0297
export const NS_SID = 'urn:xmpp:sid:0'; // XEP-0359
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub'; // XEP-0060
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const NS_PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
export const NS_HINTS = 'urn:xmpp:hints'; // XEP-0334
export const NS_EME = 'urn:xmpp:eme:0'; // XEP-0380
export const NS_SCE = 'urn:xmpp:sce:1'; // XEP-0420
export const NS_OMEMO_03 = 'eu.siacs.conversations.axolotl'; // XEP-0384 0.3
export const NS_OMEMO_2 = 'urn:xmpp:omemo:2'; // XEP-0384 0.8+
