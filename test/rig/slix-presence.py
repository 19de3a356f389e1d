"""A slixmpp client whose presence a test drives, line by line, on stdin.

Usage: slix-presence.py JID PASSWORD PORT
Logs in over plain TCP to 127.0.0.1:PORT (auto_authorize and auto_subscribe on: it approves
subscription requests and asks back). Prints JSON lines on stdout:
  {"event": "ready"}                              logged in, roster fetched, available
  {"event": "ack", "command": LINE}               a command from stdin was carried out
  {"event": "message", "from": JID, "body": TEXT} a message with a body arrived
  {"event": "subscribe", "from": JID}             someone asked for our presence
Commands (one per stdin line): available | chat | away | xa | dnd | unavailable |
status TEXT (available with that status text) | subscribe JID | quit.
"""
import asyncio
import sys

import slixmpp
from slix_lines import emit


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.finished = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("presence_subscribe", self.on_subscribe)
        self.add_event_handler("disconnected", self.on_disconnected)

    async def start(self, _event):
        await self.get_roster()
        self.send_presence()
        emit("ready")
        asyncio.get_event_loop().add_reader(sys.stdin.fileno(), self.on_stdin)

    def on_message(self, msg):
        if msg["body"]:
            emit("message", **{"from": str(msg["from"]), "body": msg["body"]})

    def on_subscribe(self, presence):
        emit("subscribe", **{"from": str(presence["from"])})

    def on_disconnected(self, _event):
        if not self.finished.done():
            self.finished.set_result(True)

    def on_stdin(self):
        line = sys.stdin.readline()
        if line == "":
            self.quit()
            return
        command = line.strip()
        if command in ("available", ""):
            self.send_presence()
        elif command in ("chat", "away", "xa", "dnd"):
            self.send_presence(pshow=command)
        elif command == "unavailable":
            self.send_presence(ptype="unavailable")
        elif command.startswith("status "):
            self.send_presence(pstatus=command[len("status "):])
        elif command.startswith("subscribe "):
            self.send_presence(pto=command[len("subscribe "):], ptype="subscribe")
        elif command == "quit":
            self.quit()
            return
        emit("ack", command=command)

    def quit(self):
        asyncio.get_event_loop().remove_reader(sys.stdin.fileno())
        self.disconnect()


def main():
    jid, password, port = sys.argv[1:4]
    peer = Peer(jid, password)
    peer.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(peer.finished, 300))
    except asyncio.TimeoutError:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
