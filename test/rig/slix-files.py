"""A slixmpp client with its XEP-0066 (out-of-band data) plugin, for file tests, driven by JSON lines on stdin.

Usage: slix-files.py JID PASSWORD PORT
Logs in over plain TCP to 127.0.0.1:PORT and prints JSON lines:
  {"event": "ready", "jid": FULL}
  {"event": "message", "from", "type", "id", "body", "oob_url", "oob_desc"}   for every message
      with a body or out-of-band data (oob_url and oob_desc "" when it carries none)
  {"event": "joined", "room": ROOM}      after {"cmd": "join", ...}
  {"event": "sent", "tag": T}            after {"cmd": "send", ...}
Commands:
  {"cmd": "join", "room": ROOM, "nick": NICK}       enters a room (that exists already)
  {"cmd": "send", "tag": T, "to": JID, "type": "chat", "body": B, "url": U, "desc": D}
      sends a message; with "url", it carries <x xmlns='jabber:x:oob'> with that url (and desc)
  {"cmd": "upload", "tag": T, "to": JID, "name": N, "type": MIME, "data": BASE64, "desc": D}
      uploads the bytes with slixmpp's own XEP-0363 client (its server's upload service; HTTPS
      trusted through SSL_CERT_FILE), then sends the link as the body and as out-of-band data;
      prints {"event": "uploaded", "tag": T, "url": URL} (or {"event": "upload-failed", "tag": T, "error": E})
"""
import asyncio
import base64
import io
import json
import sys

import slixmpp
from slix_lines import emit


class FilesPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0045")
        self.register_plugin("xep_0066")
        self.register_plugin("xep_0363")
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)

    async def start(self, _event):
        self.send_presence()
        emit("ready", jid=str(self.boundjid))

    def on_message(self, msg):
        oob = msg["oob"]
        if not msg["body"] and not oob["url"]:
            return
        emit("message", **{"from": str(msg["from"]), "type": msg["type"], "id": msg["id"], "body": msg["body"],
                           "oob_url": oob["url"], "oob_desc": oob["desc"]})

    async def find_upload_service(self):
        """The plugin's own discovery (xep_0030 get_info_from_domain) passes coroutines to
        asyncio.wait, which Python 3.11 refuses (Debian's slixmpp 1.8.3): the same disco walk,
        one query at a time, naming the service the plugin then uses."""
        upload = self["xep_0363"]
        if upload.upload_service is not None:
            return
        items = await self["xep_0030"].get_items(jid=self.boundjid.domain, timeout=10)
        for item in items["disco_items"]["items"]:
            info = await self["xep_0030"].get_info(jid=item[0], timeout=10)
            if "urn:xmpp:http:upload:0" not in info["disco_info"]["features"]:
                continue
            upload.upload_service = info["from"]
            for form in info["disco_info"].iterables:
                values = form["values"]
                if values.get("FORM_TYPE") == ["urn:xmpp:http:upload:0"]:
                    upload.max_file_size = int(values["max-file-size"])
            return

    async def command(self, line):
        cmd = json.loads(line)
        if cmd["cmd"] == "join":
            await self["xep_0045"].join_muc_wait(cmd["room"], cmd["nick"], maxstanzas=0, timeout=10)
            emit("joined", room=cmd["room"])
        elif cmd["cmd"] == "send":
            msg = self.make_message(mto=cmd["to"], mbody=cmd.get("body", ""), mtype=cmd.get("type", "chat"))
            if cmd.get("url"):
                msg["oob"]["url"] = cmd["url"]
                if cmd.get("desc"):
                    msg["oob"]["desc"] = cmd["desc"]
            msg.send()
            emit("sent", tag=cmd.get("tag", ""))
        elif cmd["cmd"] == "upload":
            data = base64.b64decode(cmd["data"])
            try:
                await self.find_upload_service()
                url = await self["xep_0363"].upload_file(cmd["name"], size=len(data), content_type=cmd["type"], input_file=io.BytesIO(data), timeout=20)
            except Exception as error:  # the test reads the failure from this line
                emit("upload-failed", tag=cmd.get("tag", ""), error=repr(error))
                return
            msg = self.make_message(mto=cmd["to"], mbody=url, mtype="chat")
            msg["oob"]["url"] = url
            if cmd.get("desc"):
                msg["oob"]["desc"] = cmd["desc"]
            msg.send()
            emit("uploaded", tag=cmd.get("tag", ""), url=url)


async def read_commands(peer):
    loop = asyncio.get_event_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "quit":
            return
        if line.strip():
            await peer.command(line)


def main():
    jid, password, port = sys.argv[1:4]
    peer = FilesPeer(jid, password)
    peer.connect(("127.0.0.1", int(port)), disable_starttls=True)
    loop = asyncio.get_event_loop()
    loop.run_until_complete(read_commands(peer))
    peer.disconnect()
    loop.run_until_complete(asyncio.sleep(0.2))


if __name__ == "__main__":
    main()
