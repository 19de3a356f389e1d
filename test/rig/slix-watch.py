"""A slixmpp contact that watches the bot's presence, for presence tests.

Usage: slix-watch.py JID PASSWORD PORT BOT [subscribe]
Logs in over plain TCP to 127.0.0.1:PORT, accepts subscription requests (slixmpp's default),
asks BOT for its presence when told "subscribe", and prints one JSON line per presence stanza
it receives: {"from", "type", "show", "status"}. Runs until its standard input closes.
"""
import asyncio
import json
import sys

import slixmpp


class Watcher(slixmpp.ClientXMPP):
    def __init__(self, jid, password, bot, ask):
        super().__init__(jid, password)
        self.bot, self.ask = bot, ask
        self.add_event_handler("session_start", self.start)
        for event in ("presence_available", "presence_unavailable", "changed_status", "presence_subscribe", "presence_subscribed",
                      "presence_unsubscribe", "presence_unsubscribed"):
            self.add_event_handler(event, self.on_presence)

    async def start(self, _event):
        self.send_presence()
        await self.get_roster()
        if self.ask:
            self.send_presence(pto=self.bot, ptype="subscribe")
        print(json.dumps({"type": "session_start"}), flush=True)

    def on_presence(self, presence):
        print(json.dumps({"from": str(presence["from"]), "type": presence["type"], "show": presence["show"],
                          "status": presence["status"]}), flush=True)


async def until_stdin_closes():
    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, sys.stdin.read)


def main():
    jid, password, port, bot = sys.argv[1:5]
    ask = len(sys.argv) > 5 and sys.argv[5] == "subscribe"
    watcher = Watcher(jid, password, bot, ask)
    watcher.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    loop.run_until_complete(until_stdin_closes())
    watcher.disconnect()
    loop.run_until_complete(asyncio.sleep(0.2))


if __name__ == "__main__":
    main()
