// Reaching into Prosody's MUC service (0.12) through its admin shell's raw Lua: making it forget
// without a word (what a restarted service or a netsplit does to a room, with nobody told), and
// counting the self-pings (XEP-0410) it gets.
import type { Prosody } from './prosody';

function serviceOf(room: string): string {
  return room.slice(room.indexOf('@') + 1);
}

function muc(room: string): string {
  return `prosody.hosts[${JSON.stringify(serviceOf(room))}].modules.muc`;
}

async function lua(prosody: Prosody, code: string): Promise<string> {
  const out = await prosody.shell(`> ${code}`);
  const result = /^Result: (.*)$/m.exec(out);
  if (!result) throw new Error(`unexpected admin shell output: ${out}`);
  return result[1] ?? '';
}

/**
 * Drops one occupant from the room's tables, as leaving does, but sends no presence to anyone:
 * the room answers that occupant's self-ping with not-acceptable, the others still list it.
 */
export async function forgetOccupant(prosody: Prosody, room: string, nick: string): Promise<void> {
  const result = await lua(
    prosody,
    `local room = ${muc(room)}.get_room_from_jid(${JSON.stringify(room)}); ` +
      `local occupant = room:get_occupant_by_nick(${JSON.stringify(`${room}/${nick}`)}); ` +
      // save_occupant drops an occupant without a role from _occupants and _jid_nick.
      'occupant.role = nil; room:save_occupant(occupant); ' +
      'return room:get_occupant_by_nick(occupant.nick) == nil and "forgotten" or "still there"',
  );
  if (result !== 'forgotten') throw new Error(`Prosody did not forget ${nick} in ${room}: ${result}`);
}

/** Forgets the whole room (as a restart does to a room that is not persistent): the service answers item-not-found. */
export async function forgetRoom(prosody: Prosody, room: string): Promise<void> {
  const result = await lua(
    prosody,
    `local m = ${muc(room)}; m.forget_room(m.get_room_from_jid(${JSON.stringify(room)})); ` +
      `return m.get_room_from_jid(${JSON.stringify(room)}) == nil and "forgotten" or "still there"`,
  );
  if (result !== 'forgotten') throw new Error(`Prosody did not forget ${room}: ${result}`);
}

/** From now on the service counts the pings sent to each occupant JID of its rooms (kept on its host table). */
export async function countSelfPings(prosody: Prosody, service: string): Promise<void> {
  const host = `prosody.hosts[${JSON.stringify(service)}]`;
  await lua(
    prosody,
    `local host = ${host}; if not host.xmpp_flows_pings then host.xmpp_flows_pings = {}; ` +
      'host.events.add_handler("iq/full", function (event) ' +
      'local stanza = event.stanza; ' +
      'if stanza.attr.type == "get" and stanza:get_child("ping", "urn:xmpp:ping") then ' +
      'host.xmpp_flows_pings[stanza.attr.to] = (host.xmpp_flows_pings[stanza.attr.to] or 0) + 1 end ' +
      // Returns nothing: the room handles the ping as ever.
      'end, 1000) end; return "counting"',
  );
}

/** How many pings went to this occupant JID since counting began on its service. */
export async function selfPings(prosody: Prosody, occupantJid: string): Promise<number> {
  const service = occupantJid.slice(occupantJid.indexOf('@') + 1, occupantJid.indexOf('/'));
  return Number(await lua(prosody, `return (prosody.hosts[${JSON.stringify(service)}].xmpp_flows_pings or {})[${JSON.stringify(occupantJid)}] or 0`));
}
