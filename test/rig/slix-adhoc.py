"""slixmpp clients running ad-hoc commands (XEP-0050, its xep_0050 plugin with xep_0004 forms), driven by JSON lines on stdin.

Usage: slix-adhoc.py PORT PASSWORD JID...
Logs each JID in (resource "adhoc") over plain TCP to 127.0.0.1:PORT; prints
  {"event": "ready", "jids": [FULL...]}
Commands (one JSON object a line), "as" the index of the client that acts:
  {"tag": T, "as": I, "op": "list", "jid": J}
      -> {"event": "items", "tag": T, "items": [[jid, node, name], ...]}   (xep_0050 get_commands)
  {"tag": T, "as": I, "op": "run", "jid": J, "node": N, "action": A?, "sessionid": S?, "values": {var: text or [texts]}?}
      -> {"event": "answer", "tag": T, "status": ..., "sessionid": ..., "actions": [...], "notes": [[type, text]], "form": {...} | null}
         (xep_0050 send_command with an xep_0004 submit form)
  either may end in {"event": "error", "tag": T, "condition": C, "specific": S}; S is the
  commands-specific condition ("session-expired", "bad-sessionid", ...) or "".
"""
import asyncio
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slix_lines import emit, serve_commands

NS_COMMANDS = "http://jabber.org/protocol/commands"


class Caller(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ready = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0050")
        self.add_event_handler("session_start", self.start)

    async def start(self, _event):
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)


def form_json(x):
    """The form as the plugin received it, read from its XML (every field, fixed ones included)."""
    if x is None:
        return None
    ns = "{jabber:x:data}"
    fields = []
    for field in x.findall(ns + "field"):
        fields.append({
            "var": field.get("var", ""),
            "type": field.get("type", ""),
            "label": field.get("label", ""),
            "required": field.find(ns + "required") is not None,
            "options": [o.findtext(ns + "value", "") for o in field.findall(ns + "option")],
            "values": [v.text or "" for v in field.findall(ns + "value")],
        })
    return {"type": x.get("type", ""), "title": x.findtext(ns + "title", ""), "instructions": x.findtext(ns + "instructions", ""), "fields": fields}


def error_event(tag, error):
    specific = ""
    for child in error.iq["error"].xml:
        if child.tag.startswith("{%s}" % NS_COMMANDS):
            specific = child.tag.split("}")[1]
    emit("error", tag=tag, condition=error.iq["error"]["condition"], specific=specific)


async def act(clients, command):
    tag = command.get("tag")
    client = clients[command.get("as", 0)]
    timeout = command.get("timeout", 15)
    try:
        if command["op"] == "list":
            iq = await client["xep_0050"].get_commands(command["jid"], timeout=timeout)
            emit("items", tag=tag, items=[list(item) for item in iq["disco_items"]["items"]])
            return
        payload = None
        values = command.get("values")
        if values is not None:
            payload = client["xep_0004"].make_form(ftype="submit")
            for var, value in values.items():
                if isinstance(value, list):
                    payload.add_field(var=var, ftype="list-multi", value=value)
                else:
                    payload.add_field(var=var, value=value)
        iq = await client["xep_0050"].send_command(command["jid"], command["node"], action=command.get("action", "execute"), payload=payload, sessionid=command.get("sessionid"), timeout=timeout)
        answer = iq["command"]
        x = answer.xml.find("{jabber:x:data}x")
        emit("answer", tag=tag, status=answer["status"], sessionid=answer["sessionid"], actions=list(answer["actions"]),
             notes=[list(n) for n in answer["notes"]], form=form_json(x))
    except IqError as error:
        error_event(tag, error)
    except IqTimeout:
        emit("error", tag=tag, condition="timeout", specific="")
    except Exception as error:  # a bug of this script shows as an answer, not as silence
        emit("error", tag=tag, condition="script-failed", specific=repr(error))


async def run(port, password, jids):
    clients = [Caller(f"{jid}/adhoc", password) for jid in jids]
    for client in clients:
        client.connect(("127.0.0.1", port), disable_starttls=True)
    await asyncio.wait_for(asyncio.gather(*(c.ready for c in clients)), 20)
    emit("ready", jids=[c.boundjid.full for c in clients])
    await serve_commands(lambda command: act(clients, command))
    for client in clients:
        client.disconnect()
    await asyncio.sleep(0.2)  # lets the closing stanzas out before the loop ends


def main():
    port, password = sys.argv[1:3]
    asyncio.get_event_loop().run_until_complete(run(int(port), password, sys.argv[3:]))
    sys.exit(0)


if __name__ == "__main__":
    main()
