"""A slixmpp client with its XEP-0009 (Jabber-RPC) plugin, for RPC tests, driven by JSON lines on stdin.

Usage: slix-rpc.py JID PASSWORD PORT
Logs in twice over plain TCP to 127.0.0.1:PORT: as JID/rpc (serves and calls) and JID/twin (only
used to answer in its sibling's place). Our own jabber_rpc_method_call handler (the plugin's
defaults crash) serves, by plain lookup (nothing is evaluated):
  echo(x)    -> x (several params: the list of them)
  ping()     -> "pong"
  fail()     -> fault 42 "the answer is a fault"
  silent()   -> never answered (prints {"event": "swallowed", ...})
  forged()   -> JID/twin first answers "forged" with the call's id, then JID/rpc answers "real"
                after 0.2 s (prints {"event": "forged", ...})
  any other  -> fault -32601 "no method NAME"
Prints JSON lines: {"event": "ready", "jid": FULL, "twin": FULL}; and per command
  {"event": "result", "tag": T, "value": V} | {"event": "fault", "tag": T, "code": C, "string": S}
  {"event": "error", "tag": T, "condition": C}   (condition "timeout" when nothing came)
Commands: {"tag": T, "jid": J, "method": M, "params": [...], "timeout": S?}
Values in JSON: numbers (int -> i4, float -> double), strings, booleans, lists, objects, and
{"$date": "YYYYMMDDTHH:MM:SS"} (dateTime.iso8601), {"$b64": BASE64} (base64), both ways.
Lines that are not JSON may appear on stdout (the plugin prints on IQ errors): skip them.
"""
import asyncio
import sys
import time

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.plugins.xep_0009.binding import py2xml, xml2py, xml2fault, fault2xml, rpcbase64, rpctime
from slix_lines import emit, serve_commands


def from_json(value):
    if isinstance(value, dict):
        if set(value.keys()) == {"$date"}:
            return rpctime(value["$date"])
        if set(value.keys()) == {"$b64"}:
            return rpcbase64(value["$b64"].encode())
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_json(value):
    if isinstance(value, rpctime):
        return {"$date": time.strftime("%Y%m%dT%H:%M:%S", value.timestamp)}
    if isinstance(value, rpcbase64):
        return {"$b64": value.encoded()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


class Twin(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ready = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)

    async def start(self, _event):
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)


class RpcPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, twin):
        super().__init__(jid, password)
        self.twin = twin
        self.ready = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0009")
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("jabber_rpc_method_call", self.on_call)
        # Answers to our own calls are read where we await them; these keep the plugin's crashing defaults away.
        for event in ("jabber_rpc_method_response", "jabber_rpc_method_fault", "jabber_rpc_error"):
            self.add_event_handler(event, lambda _iq: None)

    async def start(self, _event):
        self.send_presence()
        if not self.ready.done():
            self.ready.set_result(True)

    def respond(self, iq, value):
        self["xep_0009"].make_iq_method_response(iq["id"], iq["from"], py2xml(value)).send()

    def fault(self, iq, code, string):
        self["xep_0009"]._send_fault(iq, fault2xml({"code": code, "string": string}))

    async def on_call(self, iq):
        method = iq["rpc_query"]["method_call"]["method_name"]
        params = xml2py(iq["rpc_query"]["method_call"]["params"])
        if method == "echo":
            self.respond(iq, params[0] if len(params) == 1 else params)
        elif method == "ping":
            self.respond(iq, "pong")
        elif method == "fail":
            self.fault(iq, 42, "the answer is a fault")
        elif method == "silent":
            emit("swallowed", id=iq["id"], **{"from": str(iq["from"])})
        elif method == "forged":
            forged = self.twin.make_iq_result(id=iq["id"], ito=iq["from"])
            forged.enable("rpc_query")
            forged["rpc_query"]["method_response"]["params"] = py2xml("forged")
            forged.send()
            emit("forged", id=iq["id"], **{"from": str(iq["from"])})
            await asyncio.sleep(0.2)  # lets the forged answer arrive first
            self.respond(iq, "real")
        else:
            self.fault(iq, -32601, "no method %s" % method)

    async def call(self, command):
        tag = command.get("tag")
        params = [from_json(p) for p in command.get("params", [])]
        iq = self["xep_0009"].make_iq_method_call(command["jid"], command["method"], py2xml(*params))
        try:
            answer = await iq.send(timeout=command.get("timeout", 10))
        except IqError as error:
            emit("error", tag=tag, condition=error.iq["error"]["condition"])
            return
        except IqTimeout:
            emit("error", tag=tag, condition="timeout")
            return
        response = answer["rpc_query"]["method_response"]
        if response["fault"] is not None:
            fault = xml2fault(response["fault"])
            emit("fault", tag=tag, code=fault["code"], string=fault["string"])
        else:
            values = xml2py(response["params"])
            emit("result", tag=tag, value=to_json(values[0] if values else None))


async def run(jid, password, port):
    twin = Twin(f"{jid}/twin", password)
    peer = RpcPeer(f"{jid}/rpc", password, twin)
    twin.connect(("127.0.0.1", port), disable_starttls=True)
    peer.connect(("127.0.0.1", port), disable_starttls=True)
    await asyncio.wait_for(asyncio.gather(twin.ready, peer.ready), 15)
    emit("ready", jid=peer.boundjid.full, twin=twin.boundjid.full)
    await serve_commands(peer.call)
    peer.disconnect()
    twin.disconnect()
    await asyncio.sleep(0.2)  # lets the closing stanzas out before the loop ends


def main():
    jid, password, port = sys.argv[1:4]
    asyncio.get_event_loop().run_until_complete(run(jid, password, int(port)))
    sys.exit(0)


if __name__ == "__main__":
    main()
