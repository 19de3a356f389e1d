"""A slixmpp client for tests: a client we did not write, on the other side of the conversation.

Usage: slix-peer.py JID PASSWORD PORT TO BODY [COUNT] [TIMEOUT]
Logs in over plain TCP to 127.0.0.1:PORT, sends BODY to TO as a chat message, and prints each
message it receives as one JSON line until COUNT have arrived or TIMEOUT seconds pass. Exit 0
when COUNT arrived, 3 on timeout.
"""
import asyncio
import json
import sys

import slixmpp


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, to, body, count):
        super().__init__(jid, password)
        self.to, self.body, self.count = to, body, count
        self.received = 0
        self.finished = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)

    async def start(self, _event):
        self.send_presence()
        self.send_message(mto=self.to, mbody=self.body, mtype="chat")

    def on_message(self, msg):
        print(json.dumps({"from": str(msg["from"]), "type": msg["type"], "body": msg["body"], "thread": msg["thread"]}), flush=True)
        self.received += 1
        if self.received >= self.count and not self.finished.done():
            self.finished.set_result(True)


def main():
    jid, password, port, to, body = sys.argv[1:6]
    count = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 else 10
    peer = Peer(jid, password, to, body, count)
    peer.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(peer.finished, timeout))
        code = 0
    except asyncio.TimeoutError:
        code = 3
    peer.disconnect()
    loop.run_until_complete(asyncio.sleep(0.1))
    sys.exit(code)


if __name__ == "__main__":
    main()
