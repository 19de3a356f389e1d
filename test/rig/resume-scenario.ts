// One scenario several suites share: a session behind a relay loses its connection in the middle
// of traffic both ways, and stream management (XEP-0198) resumes it with nothing lost and
// nothing twice. The relay may carry TCP, direct TLS or a WebSocket: it cuts bytes, not stanzas.
import { strict as assert } from 'node:assert';
import type { XmppClient } from '../../nodes/core/client';
import type { SessionStatus } from '../../nodes/core/session/session';
import type { XmlElement } from '../../nodes/core/xmpp-lib';
import { eventually, type Peer } from './peer';
import type { TcpProxy } from './tcp-proxy';

export interface WatchedClient {
  client: XmppClient;
  statuses: SessionStatus[];
  until(match: (s: SessionStatus) => boolean, what: string): Promise<SessionStatus>;
}

export const bodies = (stanzas: XmlElement[]): string[] => stanzas.filter((s) => s.name === 'message').map((m) => m.getChildText('body') ?? '');

/** The bot (online through `proxy`) sends `out` messages around a cut while `peer` sends `back` to it; all arrive once, in order. */
export async function resumesThroughCut(bot: WatchedClient, proxy: TcpProxy, peer: Peer, out = 60, back = 10): Promise<void> {
  const warm = peer.nextMessage((m) => m.getChildText('body') === 'warm-up');
  await bot.client.messages.send({ to: peer.jid, type: 'chat', body: 'warm-up' });
  await warm; // stream management is enabled by now
  peer.received.length = 0;
  const firstJid = bot.client.jid;
  const mark = bot.statuses.length;
  const toBot: string[] = [];
  bot.client.messages.onMessage((m) => toBot.push(m.body ?? ''));
  const sent: Promise<void>[] = [];
  for (let i = 0; i < out / 2; i += 1) sent.push(bot.client.messages.send({ to: peer.jid, type: 'chat', body: `m${i}` }));
  proxy.cut();
  for (let i = out / 2; i < out; i += 1) sent.push(bot.client.messages.send({ to: peer.jid, type: 'chat', body: `m${i}` }));
  // The peer writes to the bot while it is away: the server keeps these for the resumed session.
  for (let i = 0; i < back; i += 1) await peer.send(firstJid, `p${i}`);
  const again = await bot.until((s) => s.state === 'online' && bot.statuses.indexOf(s) >= mark, 'online again');
  assert.equal(again.resumed, true, 'resumed');
  assert.equal(bot.client.jid, firstJid);
  await Promise.all(sent);
  await peer.nextMessage((m) => m.getChildText('body') === `m${out - 1}`);
  await eventually(() => toBot.length, (n) => n >= back, 10_000, "the peer's messages");
  // A last message each way proves nothing more is on its way.
  await bot.client.messages.send({ to: peer.jid, type: 'chat', body: 'end' });
  await peer.nextMessage((m) => m.getChildText('body') === 'end');
  assert.deepEqual(bodies(peer.received).filter((b) => b !== 'end'), Array.from({ length: out }, (_, i) => `m${i}`));
  assert.deepEqual(toBot, Array.from({ length: back }, (_, i) => `p${i}`));
}
