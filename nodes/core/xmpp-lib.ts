// The slice of xmpp.js (ESM-only, untyped) this package uses, and its loader.
import type { EventEmitter } from 'node:events';
import { XmppError } from './errors';
import { words } from './words';

export type XmlChild = XmlElement | string;

export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: XmlChild[];
  parent: XmlElement | null;
  is(name: string, xmlns?: string): boolean;
  getName(): string;
  getNS(): string | undefined;
  getAttr(name: string): string | undefined;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string, xmlns?: string): XmlElement[];
  getChildElements(): XmlElement[];
  getChildText(name: string, xmlns?: string): string | null;
  getText(): string;
  c(name: string, attrs?: Record<string, string>): XmlElement;
  t(text: string): XmlElement;
  up(): XmlElement;
  append(...nodes: XmlChild[]): XmlElement;
  toString(): string;
}

export type XmlFactory = (
  name: string,
  attrs?: Record<string, string | number | undefined> | null,
  ...children: (XmlChild | XmlChild[] | undefined | null | false)[]
) => XmlElement;

export interface JidObject {
  local: string;
  domain: string;
  resource: string;
  bare(): JidObject;
  toString(): string;
}

export interface ClientOptions {
  service: string;
  domain: string;
  username: string;
  /** A password, or (as here) a function that picks the mechanism and logs in. */
  password?: string;
  credentials?: (...args: never[]) => Promise<void>;
  resource?: string;
  timeout?: number;
}

export interface IqCaller {
  request(stanza: XmlElement, timeout?: number): Promise<XmlElement>;
}

export interface IqContext {
  stanza: XmlElement;
  from: JidObject | null;
  element: XmlElement;
}

export interface IqCallee {
  get(ns: string, name: string, handler: (ctx: IqContext) => XmlElement | object | Promise<XmlElement | object>): void;
  set(ns: string, name: string, handler: (ctx: IqContext) => XmlElement | object | Promise<XmlElement | object>): void;
}

export interface Reconnect extends EventEmitter {
  start(): void;
  stop(): void;
}

export interface StreamManagement extends EventEmitter {
  enabled: boolean;
  enableSent: boolean;
  id: string;
  outbound_q: Array<{ stanza: XmlElement; stamp?: string }>;
  /** Stanzas received, for our acknowledgements. */
  inbound: number;
}

/** What xmpp.js's middleware hands each route: the stanza, and for a query its one child. */
export interface MiddlewareContext {
  stanza: XmlElement;
  element?: XmlElement;
}

export interface Middleware {
  use(route: (ctx: MiddlewareContext, next: () => Promise<unknown>) => unknown): void;
}

export interface Client extends EventEmitter {
  middleware: Middleware;
  status: string;
  jid: JidObject | null;
  socket: (EventEmitter & { destroy?: () => void; secure?: boolean }) | null;
  parser: { write(data: Buffer | string): void } | null;
  /** The stream's root element, parent of every stanza we send. */
  root: XmlElement | null;
  /** The class xmpp.js instantiates for each new stream. */
  Parser: new () => EventEmitter;
  options: ClientOptions;
  reconnect: Reconnect;
  iqCaller: IqCaller;
  iqCallee: IqCallee;
  streamManagement: StreamManagement;
  start(): Promise<JidObject>;
  connect(service: string): Promise<void>;
  open(options: { domain: string; lang?: string }): Promise<unknown>;
  restart(): Promise<unknown>;
  socketParameters(service: string): Record<string, unknown> | undefined;
  _attachSocket(socket: EventEmitter): void;
  _detachSocket(): void;
  stop(): Promise<unknown>;
  disconnect(): Promise<unknown>;
  send(element: XmlElement): Promise<void>;
  write(text: string): Promise<void>;
  isSecure(): boolean;
  _onData(data: Buffer): void;
}

export interface XmppLib {
  client(options: ClientOptions): Client;
  xml: XmlFactory;
  Element: new (name: string, attrs?: Record<string, string>) => XmlElement;
  parse(text: string): XmlElement;
}

let loading: Promise<XmppLib> | undefined;
let loaded: XmppLib | undefined;

/**
 * Loads xmpp.js once per process. It is an ES module, and Node-RED 5 runs on Node 22.9, where
 * require() of one needs a flag: so it is imported, once, before anything uses it (the
 * xmpp-config module waits for this before it registers its node type).
 */
export function loadXmpp(): Promise<XmppLib> {
  loading ??= (async () => {
    const clientModule = (await import('@xmpp/client')) as unknown as Pick<XmppLib, 'client' | 'xml'>;
    const parseModule = (await import('@xmpp/xml/lib/parse.js')) as unknown as { default: (t: string) => XmlElement };
    const xmlModule = (await import('@xmpp/xml')) as unknown as { Element: XmppLib['Element'] };
    loaded = { client: clientModule.client, xml: clientModule.xml, Element: xmlModule.Element, parse: parseModule.default };
    return loaded;
  })();
  return loading;
}

/** xmpp.js once loadXmpp() has resolved; before that, a programming error. */
export function xmppLib(): XmppLib {
  if (!loaded) throw new XmppError('not-connected', words('xmpp-not-loaded'));
  return loaded;
}
