// xmpp.js runs its XML parser, and every listener of 'element' and 'stanza', inside the socket's
// data handler: anything that throws there would be an uncaught exception and take Node-RED down.
import type { Client } from './xmpp-lib';

/**
 * Makes whatever throws in the data path an 'error' event instead, and ignores data that arrives
 * after the parser is gone (the xmpp.js 0.14.0 crash of issues #860 and #1058). Must run before
 * the first connect, which binds _onData.
 */
export function guardDataPath(client: Client): void {
  const original = client._onData;
  client._onData = function guardedOnData(this: Client, data: Buffer): void {
    if (!this.parser) return;
    try {
      original.call(this, data);
    } catch (error) {
      this.emit('error', error);
    }
  };
}
