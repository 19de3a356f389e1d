"""A slixmpp receiver for delivery tests: logs in, and prints the body of every message it gets
(one JSON string per line) until one equals MARKER or TIMEOUT seconds pass.

Usage: slix-collect.py JID PASSWORD PORT MARKER [TIMEOUT]
Exit 0 when the marker arrived, 3 on timeout.
"""
import asyncio
import json
import sys

import slixmpp


class Collector(slixmpp.ClientXMPP):
    def __init__(self, jid, password, marker):
        super().__init__(jid, password)
        self.marker = marker
        self.finished = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)

    async def start(self, _event):
        self.send_presence()  # the server hands over stored (offline) messages now

    def on_message(self, msg):
        body = msg["body"]
        print(json.dumps(body), flush=True)
        if body == self.marker and not self.finished.done():
            self.finished.set_result(True)


def main():
    jid, password, port, marker = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60
    collector = Collector(jid, password, marker)
    collector.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(collector.finished, timeout))
        code = 0
    except asyncio.TimeoutError:
        code = 3
    collector.disconnect()
    loop.run_until_complete(asyncio.sleep(0.1))
    sys.exit(code)


if __name__ == "__main__":
    main()
