// xmpp.js ships no types; the shapes we rely on are written out in xmpp-lib.ts.
declare module '@xmpp/client';
declare module '@xmpp/xml/lib/parse.js';
declare module '@xmpp/xml';
