"""A slixmpp client that asks the bot about itself, for self-description tests.

Usage: slix-ask.py JID PASSWORD PORT BOT_FULL_JID NODE
Subscribes to the bot, waits for its presence with entity capabilities, then asks: disco#info
(plain, and for the caps node#ver), disco#items, disco#info and #items of NODE, the software
version, an unknown IQ; computes the caps hash itself (slixmpp's xep_0115) and prints one JSON
object with everything. Exit 0 on success, 3 on timeout.
"""
import asyncio
import json
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET


def error_of(exc):
    return {"error": exc.iq["error"]["condition"]} if isinstance(exc, IqError) else {"error": "timeout"}


class Asker(slixmpp.ClientXMPP):
    def __init__(self, jid, password, bot, node):
        super().__init__(jid, password)
        self.bot, self.node = bot, node
        self.caps = asyncio.get_event_loop().create_future()
        self.result = {}
        for plugin in ("xep_0030", "xep_0092", "xep_0115"):
            self.register_plugin(plugin)
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("presence_available", self.on_presence)

    def on_presence(self, presence):
        if str(presence["from"]) != self.bot:
            return
        c = presence.xml.find("{http://jabber.org/protocol/caps}c")
        if c is not None and not self.caps.done():
            self.caps.set_result({"node": c.get("node"), "ver": c.get("ver"), "hash": c.get("hash")})

    async def ask_info(self, node=None):
        try:
            iq = await self["xep_0030"].get_info(jid=self.bot, node=node, timeout=10)
            info = iq["disco_info"]
            return {"identities": [list(i) for i in info["identities"]], "features": sorted(info["features"]), "_iq": iq}
        except (IqError, IqTimeout) as exc:
            return error_of(exc)

    async def ask_items(self, node=None):
        try:
            iq = await self["xep_0030"].get_items(jid=self.bot, node=node, timeout=10)
            return {"items": [list(i) for i in iq["disco_items"]["items"]]}
        except (IqError, IqTimeout) as exc:
            return error_of(exc)

    async def start(self, _event):
        self.send_presence()
        await self.get_roster()
        self.send_presence(pto=self.bot.split("/")[0], ptype="subscribe")
        caps = await asyncio.wait_for(self.caps, 15)
        self.result["caps"] = caps
        info = await self.ask_info()
        if "_iq" in info:
            self.result["computed_ver"] = self["xep_0115"].generate_verstring(info.pop("_iq")["disco_info"], "sha-1")
        self.result["info"] = info
        caps_info = await self.ask_info(f"{caps['node']}#{caps['ver']}")
        caps_info.pop("_iq", None)
        self.result["caps_info"] = caps_info
        self.result["items"] = await self.ask_items()
        node_info = await self.ask_info(self.node)
        node_info.pop("_iq", None)
        self.result["node_info"] = node_info
        self.result["node_items"] = await self.ask_items(self.node)
        unknown = await self.ask_info("no-such-node")
        unknown.pop("_iq", None)
        self.result["unknown_node"] = unknown
        try:
            version = await self["xep_0092"].get_version(self.bot, timeout=10)
            self.result["version"] = {k: version["software_version"][k] for k in ("name", "version", "os")}
        except (IqError, IqTimeout) as exc:
            self.result["version"] = error_of(exc)
        iq = self.make_iq_get(queryxmlns="urn:example:nobody-answers-this", ito=self.bot)
        try:
            await iq.send(timeout=10)
            self.result["unknown_iq"] = "result"
        except (IqError, IqTimeout) as exc:
            self.result["unknown_iq"] = error_of(exc)["error"]
        print(json.dumps(self.result), flush=True)
        self.disconnect()


def main():
    jid, password, port, bot, node = sys.argv[1:6]
    asker = Asker(jid, password, bot, node)
    asker.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(asker.disconnected, 60))
    except asyncio.TimeoutError:
        sys.exit(3)


if __name__ == "__main__":
    main()
