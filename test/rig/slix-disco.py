"""A slixmpp client for service discovery tests, driven by JSON lines on stdin.

Usage: slix-disco.py JID PASSWORD PORT
Logs in twice over plain TCP to 127.0.0.1:PORT: as JID/disco (the one asked and asking) and as
JID/twin (only used to answer in its sibling's place). With xep_0030 and xep_0092 it describes
itself (set up in session_start, keyed by the bound JID):
  identities: client/bot "Slix Disco Peer"; features: urn:example:slix:feature
  items: {JID/disco, node "books", "Books"} and {localhost, "The server"}
  node "books": identity hierarchy/branch "Books", items {JID/disco, node "books/sf", "Science fiction"}
  node "books/sf": identity hierarchy/leaf "Science fiction"
  version: name "slix-disco-peer", version "1.2.3", os "Plan 9"
Special nodes of disco#info queries to JID/disco:
  "silent": never answered (prints {"event": "swallowed", ...})
  "forged": not answered by JID/disco; JID/twin answers with the query's id instead
            (prints {"event": "forged", ...})
Prints JSON lines: {"event": "ready", "jid": FULL, "twin": FULL}; and per command
  {"event": "answer", "tag": T, "identities": [...], "features": [...], "items": [...]}
  {"event": "error", "tag": T, "condition": C, "text": TEXT}
Commands (one JSON object per stdin line): {"tag": T, "kind": "info"|"items", "jid": J, "node": N?}
"""
import asyncio
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import StanzaPath
from slix_lines import emit, serve_commands


class Twin(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ready = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)

    async def start(self, _event):
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)


class DiscoPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, twin):
        super().__init__(jid, password)
        self.twin = twin
        self.ready = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0092", {"name": "slix-disco-peer", "version": "1.2.3", "os": "Plan 9"})
        self.add_event_handler("session_start", self.start)
        # Our own disco#info handler in front of the plugin's, for the special nodes.
        self.remove_handler("Disco Info")
        self.register_handler(CoroutineCallback("Disco Info (rig)", StanzaPath("iq/disco_info"), self.on_disco_info))

    async def start(self, _event):
        disco = self["xep_0030"]
        me = self.boundjid.full
        await disco.add_identity(category="client", itype="bot", name="Slix Disco Peer", jid=me)
        await disco.add_feature("urn:example:slix:feature", jid=me)
        await disco.add_item(jid=me, name="Books", subnode="books", ijid=me)
        await disco.add_item(jid="localhost", name="The server", ijid=me)
        await disco.add_identity(category="hierarchy", itype="branch", name="Books", node="books", jid=me)
        await disco.add_item(jid=me, name="Science fiction", node="books", subnode="books/sf", ijid=me)
        await disco.add_identity(category="hierarchy", itype="leaf", name="Science fiction", node="books/sf", jid=me)
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)

    async def on_disco_info(self, iq):
        node = iq["disco_info"]["node"]
        if iq["type"] == "get" and node == "silent":
            emit("swallowed", node=node, id=iq["id"], **{"from": str(iq["from"])})
            return
        if iq["type"] == "get" and node == "forged":
            answer = self.twin.make_iq_result(id=iq["id"], ito=iq["from"])
            answer["disco_info"]["node"] = node
            answer["disco_info"].add_identity("client", "bot", name="Forged")
            answer.send()
            emit("forged", node=node, id=iq["id"], **{"from": str(iq["from"])})
            return
        await self["xep_0030"]._handle_disco_info(iq)

    async def ask(self, command):
        tag = command.get("tag")
        disco = self["xep_0030"]
        try:
            if command["kind"] == "info":
                iq = await disco.get_info(jid=command["jid"], node=command.get("node"), local=False, cached=False, timeout=10)
                info = iq["disco_info"]
                emit("answer", tag=tag,
                     identities=[list(i) for i in info["identities"]],
                     features=sorted(info["features"]), items=[])
            else:
                iq = await disco.get_items(jid=command["jid"], node=command.get("node"), local=False, timeout=10)
                emit("answer", tag=tag, identities=[], features=[],
                     items=[list(i) for i in iq["disco_items"]["items"]])
        except IqError as error:
            emit("error", tag=tag, condition=error.iq["error"]["condition"], text=error.iq["error"]["text"])
        except IqTimeout:
            emit("error", tag=tag, condition="timeout", text="")


async def run(jid, password, port):
    twin = Twin(f"{jid}/twin", password)
    peer = DiscoPeer(f"{jid}/disco", password, twin)
    twin.connect(("127.0.0.1", port), disable_starttls=True)
    peer.connect(("127.0.0.1", port), disable_starttls=True)
    await asyncio.wait_for(asyncio.gather(twin.ready, peer.ready), 15)
    emit("ready", jid=peer.boundjid.full, twin=twin.boundjid.full)
    await serve_commands(peer.ask)
    peer.disconnect()
    twin.disconnect()
    await asyncio.sleep(0.2)  # lets the closing stanzas out before the loop ends


def main():
    jid, password, port = sys.argv[1:4]
    asyncio.get_event_loop().run_until_complete(run(jid, password, int(port)))
    sys.exit(0)


if __name__ == "__main__":
    main()
