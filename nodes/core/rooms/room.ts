// One group-chat room (XEP-0045) as we are in it: joining, waiting for the join, nickname
// conflicts, entering again after a new login, a shutdown or a self-ping that finds us gone
// (XEP-0410), and what is said there.
import { XmppError } from '../errors';
import { words, type Detail } from '../words';
import { Listeners } from '../listeners';
import type { IncomingMessage } from '../messages/message-stanza';
import type { ClientPort } from '../port';
import { conditionOf } from '../stanza-error';
import type { XmlElement } from '../xmpp-lib';
import { buildInstantRoom, buildJoin, buildLeave, buildSelfPing, nickOf, roomOf, statusCodes } from './muc-stanza';
import { DEFAULT_SELF_PING_MS, SELF_PING_TIMEOUT_MS, SYSTEM_CLOCK, SelfPing, type Clock } from './self-ping';

/** What a room needs: the connection, and the presence and messages of its own room. */
export type RoomHost = Pick<ClientPort, 'xml' | 'online' | 'send' | 'request' | 'onLogin' | 'onStatus' | 'warn'> & {
  /** Presence from the room and its occupants (join answers, status codes). */
  onPresence(handler: (stanza: XmlElement) => void): () => void;
  /** Messages from the room and its occupants, read once. */
  onMessage(handler: (message: IncomingMessage) => void): () => void;
};

export interface RoomOptions {
  /** The room's bare JID, room@conference.example.org (lower case). */
  room: string;
  nick: string;
  password?: string | undefined;
  /** How many old messages the room should replay when we enter; 0 for none. */
  history?: number | undefined;
  /** First wait before entering again a room that shut down twice in one login (then doubled, up to 10 min). */
  rejoinDelayMs?: number | undefined;
  /** Quiet time after which we ask the room whether it still has us (XEP-0410 self-ping); default 5 min, 0 never. */
  selfPingMs?: number | undefined;
  /** The clock self-pings run on (tests move it by hand). */
  clock?: Clock | undefined;
}

export type RoomState = 'joining' | 'joined' | 'failed' | 'left';

export type RoomErrorCode = 'room-timeout' | 'room-refused' | 'room-left';

/** A room's failure: XmppError with a room code, the room it is about, and (refused) the condition or reason in `detail`. */
export class RoomError extends XmppError {
  constructor(
    code: RoomErrorCode,
    readonly room: string,
    detail: Detail = '',
  ) {
    super(code, detail);
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
  /** Set when a self-ping found that the room no longer has us: we enter again. */
  lost?: boolean | undefined;
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
  private readonly events: Listeners<[RoomEvent]>;
  private readonly messages: Listeners<[RoomMessage]>;
  private readonly stops: (() => void)[] = [];
  private readonly selfPing: SelfPing;

  constructor(
    private readonly host: RoomHost,
    private readonly options: RoomOptions,
  ) {
    this.room = options.room;
    this.baseNick = options.nick;
    this.current = options.nick;
    this.rejoinDelayMs = options.rejoinDelayMs ?? DEFAULT_REJOIN_DELAY_MS;
    this.events = new Listeners((error) => host.warn(error));
    this.messages = new Listeners((error) => host.warn(error));
    this.selfPing = new SelfPing({
      room: this.room,
      quietMs: options.selfPingMs ?? DEFAULT_SELF_PING_MS,
      clock: options.clock ?? SYSTEM_CLOCK,
      ping: () => host.request(buildSelfPing(host.xml, this.occupantJid), SELF_PING_TIMEOUT_MS),
      lost: () => this.lost(),
      warn: (error) => host.warn(error),
    });
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
      this.host.onPresence((stanza) => this.onPresence(stanza)),
      this.host.onMessage((message) => this.onMessage(message)),
      this.host.onLogin((resumed) => this.onLogin(resumed)),
      this.host.onStatus((status) => {
        if (status.state !== 'online') this.onOffline();
      }),
    );
    if (this.host.online) this.sendJoin();
  }

  onEvent(listener: (event: RoomEvent) => void): () => void {
    return this.events.add(listener);
  }

  onRoomMessage(listener: (message: RoomMessage) => void): () => void {
    return this.messages.add(listener);
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
    if (wasIn && this.host.online) await this.host.send(buildLeave(this.host.xml, this.occupantJid)).catch((error: unknown) => this.host.warn(error));
  }

  private setState(state: RoomState, extra: Omit<RoomEvent, 'state' | 'nick'> = {}): void {
    this.status = state;
    // Asked only while we believe we are in, and online (XEP-0410: not while the session is suspended).
    if (state === 'joined') this.selfPing.start();
    else this.selfPing.stop();
    this.failure = state === 'failed' ? extra.error : undefined;
    this.events.emit({ state, nick: this.current, ...extra });
  }

  private sendJoin(): void {
    if (this.status === 'left') return;
    if (this.status !== 'joining') this.setState('joining');
    this.subjectSeen = false;
    // A join belongs to one connection: the next login enters again.
    this.host.send(buildJoin(this.host.xml, this.occupantJid, this.options.password, this.options.history ?? 0), { queue: false }).catch((error: unknown) => this.host.warn(error));
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
    this.selfPing.heard();
    const nick = nickOf(from);
    const type = stanza.attrs.type;
    if (type === 'error') {
      if (this.status !== 'joining' || (nick !== '' && nick !== this.current)) return;
      const condition = conditionOf(stanza);
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
      this.setState('failed', { error: new RoomError('room-refused', this.room, condition) });
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
      else this.setState('failed', { error: new RoomError('room-refused', this.room, words(codes.has('307') ? 'room-kicked' : codes.has('301') ? 'room-banned' : 'room-removed')) });
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

  /**
   * A self-ping says the room no longer has us: say so, and enter again as after a new login. A
   * refusal now counts as the service still recovering (entered again after a wait), not a verdict.
   */
  private lost(): void {
    if (this.status !== 'joined' || !this.host.online) return;
    this.reentering = true;
    this.setState('joining', { lost: true });
    this.attempt = 1;
    this.current = this.baseNick;
    this.sendJoin();
  }

  private configureInstantRoom(): void {
    this.host.request(buildInstantRoom(this.host.xml, this.room), 10_000).catch((error: unknown) => this.host.warn(error));
  }

  private onMessage(message: IncomingMessage): void {
    if (roomOf(message.from) !== this.room || this.status === 'left') return;
    this.selfPing.heard();
    const nick = nickOf(message.from);
    if (message.type === 'groupchat') {
      const delayed = message.delayed;
      if (message.body === undefined && message.subject !== undefined) {
        // The first subject closes the join (history comes before it); later ones are changes.
        const first = !this.subjectSeen;
        this.subjectSeen = true;
        if (first) return;
      }
      // Our own messages come back from the room: not news (history of earlier sessions is).
      if (nick === this.current && !delayed) return;
      this.messages.emit({ message, room: this.room, nick, private: false, delayed });
      return;
    }
    if ((message.type === 'chat' || message.type === 'normal') && nick !== '') {
      this.messages.emit({ message, room: this.room, nick, private: true, delayed: message.delayed });
    }
  }
}
