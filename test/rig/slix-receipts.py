"""A slixmpp client for delivery-receipt tests (XEP-0184, with XEP-0359 ids), driven by JSON lines.

Usage: slix-receipts.py JID PASSWORD PORT ACK
Logs in over plain TCP to 127.0.0.1:PORT. With ACK "ack" it answers receipt requests (slixmpp's
xep_0184 auto_ack); with anything else it answers none.
Prints JSON lines:
  {"event": "ready", "jid": FULL}
  {"event": "message", "from", "type", "body", "id", "request": bool, "origin": ORIGIN_ID}
  {"event": "receipt", "from", "id": ID_ACKNOWLEDGED}
  {"event": "sent", "tag", "id"}
Commands (one JSON object per stdin line):
  {"tag": T, "to": JID, "body": TEXT}: sends a chat message asking for a receipt
"""
import asyncio
import json
import sys

import slixmpp
from slix_lines import emit


class ReceiptPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ack):
        super().__init__(jid, password)
        self.ready = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0359")
        self.register_plugin("xep_0184", {"auto_ack": ack})
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("receipt_received", self.on_receipt)

    async def start(self, _event):
        self.send_presence()
        await self.get_roster()
        if not self.ready.done():
            self.ready.set_result(True)

    def on_message(self, msg):
        if msg["receipt"]:
            return
        emit("message", **{"from": str(msg["from"]), "type": msg["type"], "body": msg["body"], "id": msg["id"],
                           "request": bool(msg["request_receipt"]), "origin": msg["origin_id"]["id"]})

    def on_receipt(self, msg):
        emit("receipt", **{"from": str(msg["from"]), "id": msg["receipt"]})

    def send_with_request(self, command):
        msg = self.make_message(mto=command["to"], mbody=command["body"], mtype="chat")
        msg["id"] = self.new_id()
        msg["request_receipt"] = True
        emit("sent", tag=command["tag"], id=msg["id"])
        msg.send()


async def run(jid, password, port, ack):
    peer = ReceiptPeer(jid, password, ack)
    peer.connect(("127.0.0.1", port), disable_starttls=True)
    await asyncio.wait_for(peer.ready, 15)
    emit("ready", jid=peer.boundjid.full)
    loop = asyncio.get_event_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line or line.strip() == b"quit":
            break
        if line.strip():
            peer.send_with_request(json.loads(line))
    peer.disconnect()
    await asyncio.sleep(0.2)  # lets the closing stanzas out before the loop ends


def main():
    jid, password, port, ack = sys.argv[1:5]
    asyncio.get_event_loop().run_until_complete(run(jid, password, int(port), ack == "ack"))
    sys.exit(0)


if __name__ == "__main__":
    main()
