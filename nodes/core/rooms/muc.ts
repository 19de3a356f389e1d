// Group-chat rooms (XEP-0045): joining, waiting for the join, nickname conflicts, rejoining after
// a new login, and one shared join per room and connection. Knows nothing of Node-RED.
import { EventEmitter } from 'node:events';
import type { StanzaHandler, StanzaKind } from '../session/dispatcher';
import { readMessage, type IncomingMessage } from '../messages/message-stanza';
import { buildInstantRoom, buildJoin, buildLeave, errorCondition, isDelayed, nickOf, roomOf, statusCodes } from './muc-stanza';
import type { XmlElement, XmlFactory } from '../xmpp-lib';

/** What a room needs of the session (Session has all of it). */
export interface RoomHost {
  readonly xml: XmlFactory | undefined;
  readonly online: boolean;
  send(stanza: XmlElement): Promise<void>;
  request(iq: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  onLogin(listener: (resumed: boolean) => void): () => void;
  onStatus(listener: (status: { state: string }) => void): () => void;
  readonly dispatcher: { subscribe(kind: StanzaKind, handler: StanzaHandler): () => void };
}

export interface RoomOptions {
  /** The room's bare JID, room@conference.example.org (lower case). */
  room: string;
  nick: string;
  password?: string | undefined;
  /** How many old messages the room should replay when we enter; 0 for none. */
  history?: number | undefined;
  /** First wait before entering again a room that shut down twice in one login (then doubled, up to 10 min). */
  rejoinDelayMs?: number | undefined;
}

export type RoomState = 'joining' | 'joined' | 'failed' | 'left';

export const ROOM_ERROR_CODES = ['room-timeout', 'room-refused', 'room-left'] as const;
export type RoomErrorCode = (typeof ROOM_ERROR_CODES)[number];

export class RoomError extends Error {
  constructor(
    readonly code: RoomErrorCode,
    readonly detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'RoomError';
  }
}

export interface RoomEvent {
  state: RoomState;
  nick: string;
  /** Set when the nick we asked for was taken and we entered under another one. */
  renamedFrom?: string | undefined;
  error?: RoomError | undefined;
  /** Set while we wait to enter again a room that shut down: milliseconds until the next attempt. */
  retryInMs?: number | undefined;
}

/** A message from the room or one of its occupants, as a room sees it. */
export interface RoomMessage {
  message: IncomingMessage;
  room: string;
  /** The sender's nick; '' for the room itself. */
  nick: string;
  /** A private message from an occupant (not to the whole room). */
  private: boolean;
  /** History replayed by the room (it carries a <delay/>). */
  delayed: boolean;
}

const MAX_NICK_ATTEMPTS = 20;
const DEFAULT_REJOIN_DELAY_MS = 30_000;
const MAX_REJOIN_DELAY_MS = 10 * 60_000;

export class Room {
  readonly room: string;
  private readonly baseNick: string;
  private current: string;
  private attempt = 1;
  private status: RoomState = 'joining';
  private failure: RoomError | undefined;
  /** Joined when the connection dropped: a resumed session is still in the room. */
  private suspended = false;
  /** The subject the room sends right after we enter is its current one, not a change. */
  private subjectSeen = false;
  private reenteredSinceLogin = false;
  private rejoinTimer: NodeJS.Timeout | undefined;
  /** Entering again after the room shut down: a refusal now is the service still down, not a verdict. */
  private reentering = false;
  private rejoinDelayMs: number;
  private readonly events = new EventEmitter();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly host: RoomHost,
    private readonly options: RoomOptions,
    private readonly warn: (error: unknown) => void = () => undefined,
  ) {
    this.room = options.room;
    this.baseNick = options.nick;
    this.current = options.nick;
    this.rejoinDelayMs = options.rejoinDelayMs ?? DEFAULT_REJOIN_DELAY_MS;
    this.events.setMaxListeners(0);
  }

  get nick(): string {
    return this.current;
  }

  get state(): RoomState {
    return this.status;
  }

  get error(): RoomError | undefined {
    return this.failure;
  }

  get occupantJid(): string {
    return `${this.room}/${this.current}`;
  }

  start(): void {
    this.stops.push(
      this.host.dispatcher.subscribe('presence', (stanza) => this.onPresence(stanza)),
      this.host.dispatcher.subscribe('message', (stanza) => this.onMessage(stanza)),
      this.host.onLogin((resumed) => this.onLogin(resumed)),
      this.host.onStatus((status) => {
        if (status.state !== 'online') this.onOffline();
      }),
    );
    if (this.host.online) this.sendJoin();
  }

  onEvent(listener: (event: RoomEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  onRoomMessage(listener: (message: RoomMessage) => void): () => void {
    this.events.on('message', listener);
    return () => this.events.off('message', listener);
  }

  /** Resolves once we are in the room; rejects when the join fails or takes longer than timeoutMs. */
  whenJoined(timeoutMs: number): Promise<void> {
    if (this.status === 'joined') return Promise.resolve();
    if (this.status === 'left') return Promise.reject(new RoomError('room-left', this.room));
    if (this.status === 'failed') return Promise.reject(this.failure ?? new RoomError('room-refused', this.room));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(this.failure ?? new RoomError('room-timeout', this.room));
      }, timeoutMs);
      const stop = this.onEvent((event) => {
        if (event.state === 'joined') resolve();
        else if (event.state === 'left') reject(new RoomError('room-left', this.room));
        else if (event.state === 'failed') reject(event.error ?? new RoomError('room-refused', this.room));
        else return;
        clearTimeout(timer);
        stop();
      });
    });
  }

  /** Leaves the room (unavailable presence to room/nick) and stops listening. */
  async leave(): Promise<void> {
    const wasIn = this.status === 'joined' || this.status === 'joining';
    clearTimeout(this.rejoinTimer);
    for (const stop of this.stops.splice(0)) stop();
    this.setState('left');
    const xml = this.host.xml;
    if (wasIn && xml && this.host.online) await this.host.send(buildLeave(xml, this.occupantJid)).catch((error: unknown) => this.warn(error));
  }

  private setState(state: RoomState, extra: Omit<RoomEvent, 'state' | 'nick'> = {}): void {
    this.status = state;
    this.failure = state === 'failed' ? extra.error : undefined;
    this.events.emit('event', { state, nick: this.current, ...extra });
  }

  private sendJoin(): void {
    const xml = this.host.xml;
    if (!xml || this.status === 'left') return;
    if (this.status !== 'joining') this.setState('joining');
    this.subjectSeen = false;
    this.host.send(buildJoin(xml, this.occupantJid, this.options.password, this.options.history ?? 0)).catch((error: unknown) => this.warn(error));
  }

  private onLogin(resumed: boolean): void {
    if (this.status === 'left') return;
    this.reenteredSinceLogin = false;
    clearTimeout(this.rejoinTimer);
    if (resumed && this.suspended) {
      // The server kept our session, and with it our place in the room.
      this.suspended = false;
      this.setState('joined');
      return;
    }
    this.suspended = false;
    this.attempt = 1;
    this.current = this.baseNick;
    this.sendJoin();
  }

  private onOffline(): void {
    if (this.status !== 'joined') return;
    this.suspended = true;
    this.setState('joining');
  }

  private onPresence(stanza: XmlElement): void {
    const from = stanza.attrs.from ?? '';
    if (roomOf(from) !== this.room || this.status === 'left') return;
    const nick = nickOf(from);
    const type = stanza.attrs.type;
    if (type === 'error') {
      if (this.status !== 'joining' || (nick !== '' && nick !== this.current)) return;
      const condition = errorCondition(stanza);
      if (condition === 'conflict' && this.attempt < MAX_NICK_ATTEMPTS) {
        this.attempt += 1;
        this.current = `${this.baseNick}_${this.attempt}`;
        this.sendJoin();
        return;
      }
      if (this.reentering && condition !== 'conflict' && this.host.online) {
        this.rejoinLater();
        return;
      }
      this.setState('failed', { error: new RoomError('room-refused', condition) });
      return;
    }
    const codes = statusCodes(stanza);
    const self = codes.has('110');
    if (type === 'unavailable') {
      if (!self || this.status !== 'joined') return;
      // 332: the service shuts down; 333: removed for a technical reason (the server thought us
      // gone). We enter again: at once (once per login) while the connection is up, else after the next login.
      if (codes.has('332') || codes.has('333')) {
        this.reentering = true;
        if (this.host.online && !this.reenteredSinceLogin) {
          this.reenteredSinceLogin = true;
          this.sendJoin();
        } else if (this.host.online) this.rejoinLater();
        else this.setState('joining');
      }
      // Otherwise we are out for good: kicked (307), banned (301), the room destroyed.
      else this.setState('failed', { error: new RoomError('room-refused', codes.has('307') ? 'kicked' : codes.has('301') ? 'banned' : 'removed') });
      return;
    }
    if (!self || this.status !== 'joining') return;
    this.rejoinDelayMs = this.options.rejoinDelayMs ?? DEFAULT_REJOIN_DELAY_MS;
    this.reentering = false;
    // 210: the room gave us another nick than the one we asked for.
    this.current = nick || this.current;
    if (codes.has('201')) this.configureInstantRoom();
    this.setState('joined', { renamedFrom: this.current !== this.baseNick ? this.baseNick : undefined });
  }

  /**
   * The room shut down again in this login (a restarting service, a netsplit): we are out, and
   * say so, and try again after a wait that grows each time, rather than stay "joined" and deaf.
   */
  private rejoinLater(): void {
    const wait = this.rejoinDelayMs;
    this.rejoinDelayMs = Math.min(MAX_REJOIN_DELAY_MS, wait * 2);
    this.setState('joining', { retryInMs: wait });
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = setTimeout(() => {
      if (this.host.online && this.status === 'joining') this.sendJoin();
    }, wait);
    this.rejoinTimer.unref();
  }

  private configureInstantRoom(): void {
    const xml = this.host.xml;
    if (!xml) return;
    this.host.request(buildInstantRoom(xml, this.room), 10_000).catch((error: unknown) => this.warn(error));
  }

  private onMessage(stanza: XmlElement): void {
    const from = stanza.attrs.from ?? '';
    if (roomOf(from) !== this.room || this.status === 'left') return;
    const message = readMessage(stanza);
    const nick = nickOf(from);
    if (message.type === 'groupchat') {
      const delayed = isDelayed(stanza);
      if (message.body === undefined && message.subject !== undefined) {
        // The first subject closes the join (history comes before it); later ones are changes.
        const first = !this.subjectSeen;
        this.subjectSeen = true;
        if (first) return;
      }
      // Our own messages come back from the room: not news (history of earlier sessions is).
      if (nick === this.current && !delayed) return;
      this.events.emit('message', { message, room: this.room, nick, private: false, delayed } satisfies RoomMessage);
      return;
    }
    if ((message.type === 'chat' || message.type === 'normal') && nick !== '') {
      this.events.emit('message', { message, room: this.room, nick, private: true, delayed: isDelayed(stanza) } satisfies RoomMessage);
    }
  }
}

/** A node's use of a room; release() when done (the last release leaves the room). */
export interface RoomMembership {
  readonly room: Room;
  release(): Promise<void>;
}

/** The rooms of one connection, each joined once however many nodes use it. */
export class Rooms {
  private readonly rooms = new Map<string, { room: Room; users: number }>();

  constructor(
    private readonly host: RoomHost,
    private readonly warn: (error: unknown) => void = () => undefined,
  ) {}

  /** Joins the room, or shares the join already made (its nick, password and history apply). */
  join(options: RoomOptions): RoomMembership {
    const key = options.room.toLowerCase();
    let entry = this.rooms.get(key);
    if (!entry || entry.room.state === 'left') {
      const room = new Room(this.host, { ...options, room: key }, this.warn);
      entry = { room, users: 0 };
      this.rooms.set(key, entry);
      room.start();
    }
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      room: held.room,
      release: async () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users > 0) return;
        if (this.rooms.get(key) === held) this.rooms.delete(key);
        await held.room.leave();
      },
    };
  }

  /** The room joined under this JID, if any node uses it. */
  get(room: string): Room | undefined {
    return this.rooms.get(room.toLowerCase())?.room;
  }

  get size(): number {
    return this.rooms.size;
  }
}
