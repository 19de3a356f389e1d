// xmpp.js runs its XML parser, and every listener of 'element' and 'stanza', inside the socket's
// data handler: anything that throws there would be an uncaught exception and take Node-RED down.
// The parser is ours (stream-parser.ts): it gets the raw bytes, so that it can decode UTF-8
// across chunks, and bounds what the server may send.
import { streamParserClass, type InboundLimits, type StreamViolation } from './stream-parser';
import type { Client, XmppLib } from '../xmpp-lib';

/**
 * Makes whatever throws in the data path an 'error' event instead, ignores data that arrives
 * after the parser is gone (the xmpp.js 0.14.0 crash of issues #860 and #1058), and parses each
 * stream with our own parser. Must run before the first connect, which binds _onData.
 */
export function guardDataPath(client: Client, lib: Pick<XmppLib, 'Element'>, limits: InboundLimits, onViolation: (violation: StreamViolation) => void, framed = false): void {
  const Parser = streamParserClass(lib.Element, limits, onViolation, framed);
  // xmpp.js sets its transport's parser at every connect: ours stays.
  Object.defineProperty(client, 'Parser', { get: () => Parser, set: () => undefined, configurable: true });
  client._onData = function guardedOnData(this: Client, data: Buffer): void {
    const parser = this.parser;
    if (!parser) return;
    try {
      parser.write(data);
    } catch (error) {
      this.emit('error', error);
    }
  };
}
