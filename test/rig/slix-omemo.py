"""An OMEMO peer for tests: a slixmpp client running python-omemo 1.0 with both backends, OMEMO 0.3
(oldmemo) and OMEMO 2 (twomemo), driven by JSON lines on stdin. The independent implementation our own
OMEMO code is tested against.

Usage: slix-omemo.py PORT FULL_JID PASSWORD STORE_DIR [TRUST]
  TRUST: all (default: every new key trusted blindly) | btbv (blind trust until a key of that JID is
  trusted by hand) | manual (new keys stay undecided: encrypting to them fails, decrypting works).
  STORE_DIR keeps the device (id, keys, sessions): the same directory is the same device again; a
  second device of an account is another resource with another directory.
Events (one JSON object a line):
  {"event": "ready", "jid", "device", "fingerprints": {"0.3", "2"}, "identityKey"}
  {"event": "message", "from", "body", "protocol": "0.3"|"2", "device", "trust", "fingerprint", "sce"}
      (sce: {"to", "from", "affixes"} of the OMEMO 2 envelope, null for 0.3)
  {"event": "empty", "from", "protocol", "device"}      a key-transport/heartbeat message arrived
  {"event": "undecryptable", "from", "protocol", "device", "reason", "detail"}
  {"event": "plain", "from", "body"}                     a message without OMEMO
  {"event": "devices", "jid", "devices": {"0.3": [ids], "2": [ids]}, "details": [...], "tag"?, "remote"?}
      (after a command, or untagged when a device list notification changed what we know)
Commands (one JSON object a line; answers carry the command's "tag"):
  {"tag", "op": "send", "to", "body", "version": "0.3"|"2", "tamper"?: true}   (to: bare, or full to address one client)
      -> {"event": "sent", "tag", "protocol", "recipients": [[jid, device]...], "errors": [...]}
         (tamper flips a bit of the ciphertext after encryption)
  {"tag", "op": "plain", "to", "body"}                  -> {"event": "sent", "tag"}
  {"tag", "op": "refresh", "jid"}  subscribe to and fetch the JID's device lists -> "devices" with "remote"
  {"tag", "op": "devices", "jid"}  what python-omemo knows now                    -> "devices"
  {"tag", "op": "trust", "jid", "device"? | "fingerprint"?, "trusted": bool, "level"?}
      -> {"event": "trusted", "tag", "jid", "devices": [ids], "trust"}
  any of them may end in {"event": "error", "tag", "reason", "detail"}; "quit" ends the peer.
"""
import asyncio
import base64
import sys
import xml.etree.ElementTree as ET

import oldmemo.etree
import twomemo.etree
import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

import omemo_stanzas as stanzas
from omemo_glue import (DEVICE_LIST_NODE, NAMESPACE, OLD, TWO, VERSION, JsonStorage, fingerprint,
                        manager_class, own_device)
from slix_lines import emit, serve_commands

EME = "urn:xmpp:eme:0"
HINTS = "urn:xmpp:hints"
FALLBACK = "This message is OMEMO encrypted."


class OmemoPeer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, store_dir, trust_mode):
        super().__init__(jid, password)
        self.store_dir = store_dir
        self.trust_mode = trust_mode
        self.manager = None
        self.ready = asyncio.get_event_loop().create_future()
        # python-omemo keeps its state in storage between awaits: one operation at a time.
        self.lock = asyncio.Lock()
        self.subscribed = set()
        for plugin in ("xep_0030", "xep_0004", "xep_0060", "xep_0115", "xep_0163"):
            self.register_plugin(plugin)
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("pubsub_publish", self.on_pep)

    async def start(self, _event):
        try:
            # +notify in our caps: Prosody then sends our own account's device lists as they change.
            for node in DEVICE_LIST_NODE.values():
                self["xep_0030"].add_feature(f"{node}+notify")
            await self["xep_0115"].update_caps(broadcast=False)
            self.send_presence()
            storage = JsonStorage(self.store_dir)
            manager_type = manager_class(self, self.send_omemo, self.trust_mode)
            # Keys first seen start as "blind" when everything is trusted, else "undecided" (then BTBV decides).
            first_seen = "blind" if self.trust_mode == "all" else "undecided"
            self.manager = await manager_type.create(
                [oldmemo.Oldmemo(storage), twomemo.Twomemo(storage)], storage, self.boundjid.bare, None, first_seen)
            # No archive to catch up with: leave history-synchronisation mode (sends what it queued).
            await self.manager.after_history_sync()
            # Our device on both lists and our bundles online, whatever happened while we were away.
            await self.manager.ensure_data_consistency()
            device = await own_device(self.manager)
            self.ready.set_result(True)
            print_fp = fingerprint(device.identity_key)
            emit("ready", jid=self.boundjid.full, device=device.device_id, fingerprints={"0.3": print_fp, "2": print_fp},
                 identityKey=base64.b64encode(device.identity_key).decode("ascii"))
        except Exception as error:  # a failed start shows as an event and an exit, not a hang
            emit("error", tag=None, reason="start-failed", detail=repr(error))
            self.ready.set_exception(error)
            raise

    def send_omemo(self, message, jid, body=None, tamper=False):
        """Sends one python-omemo message as a chat message; body None means a key-transport message."""
        element = stanzas.serialize(message)
        if tamper and not stanzas.tamper(element):
            raise ValueError("no payload to tamper with")
        stanza = self.make_message(mto=jid, mtype="chat", mbody=body)
        stanza.xml.append(element)
        stanza.xml.append(ET.Element(f"{{{EME}}}encryption", namespace=message.namespace))
        stanza.xml.append(ET.Element(f"{{{HINTS}}}store"))
        stanza.send()

    async def on_message(self, msg):
        if msg["type"] in ("error", "headline", "groupchat"):
            return
        namespace, element = stanzas.find_encrypted(msg.xml)
        sender = msg["from"]
        if namespace is None:
            if msg["body"]:
                emit("plain", **{"from": sender.full, "body": msg["body"]})
            return
        await self.ready
        protocol = VERSION[namespace]
        header = element.find(f"{{{namespace}}}header")
        sid = int(header.get("sid", "0")) if header is not None and header.get("sid", "").isdigit() else None
        async with self.lock:
            try:
                message = await stanzas.parse(namespace, element, sender.bare, self.boundjid.bare, self.manager)
                plaintext, device, _key = await self.manager.decrypt(message)
                if device.trust_level_name == "undecided" and self.trust_mode == "btbv":
                    # python-omemo decides only when encrypting; BTBV decides on first sight either way.
                    await self.manager._make_trust_decision(frozenset({device}), None)
                    known = await self.manager.get_device_information(device.bare_jid)
                    device = next((d for d in known if d.device_id == device.device_id), device)
            except Exception as error:  # every way of failing is an answer the tests look at
                emit("undecryptable", protocol=protocol, device=sid, reason=type(error).__name__, detail=str(error)[:500],
                     **{"from": sender.full})
                return
        if plaintext is None:
            emit("empty", protocol=protocol, device=device.device_id, **{"from": sender.full})
            return
        sce = None
        if namespace == OLD:
            body = plaintext.decode("utf-8", errors="replace")
        else:
            try:
                envelope = stanzas.parse_sce(plaintext)
            except ValueError as error:
                emit("undecryptable", protocol=protocol, device=device.device_id, reason="sce", detail=str(error), **{"from": sender.full})
                return
            # XEP-0420: an envelope claiming another sender is a forgery, whatever decrypted it.
            if envelope["from"] is not None and slixmpp.JID(envelope["from"]).bare != sender.bare:
                emit("undecryptable", protocol=protocol, device=device.device_id, reason="sce-from-mismatch",
                     detail=envelope["from"], **{"from": sender.full})
                return
            body = envelope.pop("body")
            sce = envelope
        emit("message", body=body, protocol=protocol, device=device.device_id, trust=device.trust_level_name,
             fingerprint=fingerprint(device.identity_key), sce=sce, **{"from": sender.full})

    async def on_pep(self, msg):
        items = msg["pubsub_event"]["items"]
        namespace = next((ns for ns, node in DEVICE_LIST_NODE.items() if node == items["node"]), None)
        if namespace is None:
            return
        payload = next((item.xml.find("*") for item in items if item.xml.find("*") is not None), None)
        if payload is None:
            return
        await self.ready
        jid = msg["from"].bare
        try:
            module = oldmemo.etree if namespace == OLD else twomemo.etree
            device_list = module.parse_device_list(payload)
            async with self.lock:
                await self.manager.update_device_list(namespace, jid, device_list)
        except Exception as error:
            emit("error", tag=None, reason="device-list-notification", detail=repr(error))
            return
        await self.emit_devices(None, jid)

    async def emit_devices(self, tag, jid, remote=None):
        async with self.lock:
            devices = await self.manager.get_device_information(jid)
        per_version = {"0.3": [], "2": []}
        details = []
        for device in sorted(devices, key=lambda d: d.device_id):
            active = [VERSION[ns] for ns, on in device.active if on and ns in VERSION]
            for version in active:
                per_version[version].append(device.device_id)
            details.append({"id": device.device_id, "fingerprint": fingerprint(device.identity_key), "trust": device.trust_level_name,
                            "versions": sorted(VERSION[ns] for ns in device.namespaces if ns in VERSION), "active": sorted(active),
                            "label": device.label})
        fields = {"tag": tag, "jid": jid, "devices": per_version, "details": details}
        if remote is not None:
            fields["remote"] = remote
        emit("devices", **fields)

    async def subscribe(self, jid):
        """Explicit subscriptions to another account's device lists: Prosody's +notify works only
        between contacts, and the test accounts are strangers. True when newly subscribed."""
        if jid == self.boundjid.bare or jid in self.subscribed:
            return False
        for node in DEVICE_LIST_NODE.values():
            try:
                await self["xep_0060"].subscribe(jid, node, timeout=10)
            except IqError as error:
                # No node yet (the JID has no OMEMO device): nothing to follow, and no error.
                if error.iq["error"]["condition"] != "item-not-found":
                    raise
        self.subscribed.add(jid)
        return True

    async def act(self, command):
        tag = command.get("tag")
        try:
            await self.ready
            op = command["op"]
            if op == "send":
                await self.send_encrypted(tag, command)
            elif op == "plain":
                self.make_message(mto=command["to"], mtype="chat", mbody=command["body"]).send()
                emit("sent", tag=tag)
            elif op == "refresh":
                jid = slixmpp.JID(command["jid"]).bare
                await self.subscribe(jid)
                remote = {}
                async with self.lock:
                    for namespace in (OLD, TWO):
                        await self.manager.refresh_device_list(namespace, jid)
                        remote[VERSION[namespace]] = sorted(await self.manager._download_device_list(namespace, jid))
                await self.emit_devices(tag, jid, remote)
            elif op == "devices":
                await self.emit_devices(tag, slixmpp.JID(command["jid"]).bare)
            elif op == "trust":
                await self.set_trust(tag, command)
            else:
                emit("error", tag=tag, reason="unknown-op", detail=op)
        except (IqError, IqTimeout) as error:
            emit("error", tag=tag, reason=type(error).__name__, detail=repr(error))
        except Exception as error:  # a refusal by python-omemo (NoEligibleDevices, StillUndecided, …) is an answer
            emit("error", tag=tag, reason=type(error).__name__, detail=str(error)[:500])

    async def send_encrypted(self, tag, command):
        to = slixmpp.JID(command["to"]).bare
        version = command.get("version", "2")
        namespace = NAMESPACE[version]
        if await self.subscribe(to):
            # python-omemo encrypts for the devices it knows and never fetches a list on its own: on first
            # contact it would find no device at all (NoEligibleDevices).
            async with self.lock:
                for each in (OLD, TWO):
                    await self.manager.refresh_device_list(each, to)
        # python-omemo wants a plaintext for every backend; the priority list picks the one used.
        plaintexts = {OLD: command["body"].encode("utf-8"), TWO: stanzas.sce_envelope(command["body"], self.boundjid.bare, to)}
        async with self.lock:
            messages, errors = await self.manager.encrypt(frozenset({to}), plaintexts, backend_priority_order=[namespace])
        message = next((m for m in messages if m.namespace == namespace), None)
        if message is None:
            emit("error", tag=tag, reason="no-message", detail=f"nothing encrypted with {version}")
            return
        # Keys are for the bare JID's devices; the stanza goes where it was asked to (a full JID reaches
        # a client that sent no presence, which a bare one would not).
        self.send_omemo(message, command["to"], FALLBACK, command.get("tamper", False))
        emit("sent", tag=tag, protocol=version, recipients=sorted([key.bare_jid, key.device_id] for key, _ in message.keys),
             errors=[{"jid": e.bare_jid, "device": e.device_id, "protocol": VERSION.get(e.namespace, e.namespace), "error": repr(e.exception)}
                     for e in errors])

    async def set_trust(self, tag, command):
        jid = slixmpp.JID(command["jid"]).bare
        level = command.get("level") or ("trusted" if command.get("trusted", True) else "distrusted")
        async with self.lock:
            devices = await self.manager.get_device_information(jid)
            chosen = [d for d in devices
                      if ("device" in command and d.device_id == command["device"])
                      or ("fingerprint" in command and fingerprint(d.identity_key) == command["fingerprint"].replace(" ", "").lower())]
            for device in chosen:
                await self.manager.set_trust(jid, device.identity_key, level)
        if not chosen:
            emit("error", tag=tag, reason="unknown-device", detail=f"{jid} {command.get('device') or command.get('fingerprint')}")
            return
        emit("trusted", tag=tag, jid=jid, devices=sorted(d.device_id for d in chosen), trust=level)


async def run(port, jid, password, store_dir, trust_mode):
    peer = OmemoPeer(jid, password, store_dir, trust_mode)
    peer.connect(("127.0.0.1", port), disable_starttls=True)
    try:
        await asyncio.wait_for(asyncio.shield(peer.ready), 30)
    except Exception:
        peer.disconnect()
        await asyncio.sleep(0.1)
        return 1
    await serve_commands(peer.act)
    peer.disconnect()
    await asyncio.sleep(0.2)  # lets the closing stanzas out before the loop ends
    return 0


def main():
    port, jid, password, store_dir = sys.argv[1:5]
    trust_mode = sys.argv[5] if len(sys.argv) > 5 else "all"
    if trust_mode not in ("all", "btbv", "manual"):
        sys.exit(f"unknown trust mode {trust_mode}")
    sys.exit(asyncio.get_event_loop().run_until_complete(run(int(port), jid, password, store_dir, trust_mode)))


if __name__ == "__main__":
    main()
