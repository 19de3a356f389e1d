"""The other OMEMO device in the interop tests: python-omemo's own backends (oldmemo for 0.3, twomemo
for 2) in-process, no XMPP. One JSON command a line on stdin, one JSON answer a line on stdout.

This script only glues: bundles and keys go through the backends' own etree/parse/serialize functions
and all cryptography is python-omemo's. The session handling mirrors omemo.SessionManager (a key
exchange that builds the existing passive session decrypts with it; the active side repeats its key
exchange until the peer has answered; a used pre-key is deleted and the pre-keys refilled).
"""
import asyncio
import base64
import json
import secrets
import sys
import xml.etree.ElementTree as ET

import omemo
from omemo.session import Initiation
from omemo.storage import Just, Nothing, Storage

import oldmemo
import oldmemo.etree
import oldmemo.oldmemo as old
import twomemo
import twomemo.etree
import twomemo.twomemo as two

PRE_KEYS = 100


class MemoryStorage(Storage):
    def __init__(self):
        super().__init__(True)
        self.data = {}

    async def _load(self, key):
        return Just(self.data[key]) if key in self.data else Nothing()

    async def _store(self, key, value):
        self.data[key] = value

    async def _delete(self, key):
        self.data.pop(key, None)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text)


class Version:
    """What differs between the two backends, as far as this glue is concerned."""

    def __init__(self, name, storage):
        self.name = name
        if name == "0.3":
            self.backend = oldmemo.Oldmemo(storage)
            self.mod, self.etree, self.ns = old, oldmemo.etree, "{eu.siacs.conversations.axolotl}"
            self.names = ("signedPreKeyPublic", "signedPreKeyId", "signedPreKeySignature", "identityKey", "preKeyPublic", "preKeyId")
        else:
            self.backend = twomemo.Twomemo(storage)
            self.mod, self.etree, self.ns = two, twomemo.etree, "{urn:xmpp:omemo:2}"
            self.names = ("spk", "id", "spks", "ik", "pk", "id")
        self.peer_bundles = {}

    def bundle_to_json(self, bundle_elt):
        spk, spk_id, spks, ik, pk, pk_id = self.names
        n = self.ns
        return {
            "identityKey": bundle_elt.find(n + ik).text,
            "signedPreKeyId": int(bundle_elt.find(n + spk).get(spk_id)),
            "signedPreKey": bundle_elt.find(n + spk).text,
            "signedPreKeySignature": bundle_elt.find(n + spks).text,
            "preKeys": [{"id": int(e.get(pk_id)), "key": e.text} for e in bundle_elt.iter(n + pk)],
        }

    def bundle_from_json(self, data):
        spk, spk_id, spks, ik, pk, pk_id = self.names
        n = self.ns
        root = ET.Element(n + "bundle")
        ET.SubElement(root, n + spk, attrib={spk_id: str(data["signedPreKeyId"])}).text = data["signedPreKey"]
        ET.SubElement(root, n + spks).text = data["signedPreKeySignature"]
        ET.SubElement(root, n + ik).text = data["identityKey"]
        pre_keys = ET.SubElement(root, n + "prekeys")
        for entry in data["preKeys"]:
            ET.SubElement(pre_keys, n + pk, attrib={pk_id: str(entry["id"])}).text = entry["key"]
        return root

    def serialize_key(self, encrypted_key_material, key_exchange):
        authenticated = encrypted_key_material.serialize()
        if key_exchange is None:
            return authenticated
        serialized = key_exchange.serialize(authenticated)
        # oldmemo also returns the identity's sign bit, which only its XML layer uses.
        return serialized[0] if isinstance(serialized, tuple) else serialized

    def parse_key(self, jid, device, data, kex):
        if not kex:
            return self.mod.EncryptedKeyMaterialImpl.parse(data, jid, device), None
        if self.name == "0.3":
            # As oldmemo.etree.parse_message does: the sign bit comes from the sender's known identity.
            identity = self.peer_bundles[(jid, device)].identity_key
            key_exchange, authenticated = self.mod.KeyExchangeImpl.parse(data, bool((identity[31] >> 7) & 1))
        else:
            key_exchange, authenticated = self.mod.KeyExchangeImpl.parse(data)
        return self.mod.EncryptedKeyMaterialImpl.parse(authenticated, jid, device), key_exchange

    def content(self, element):
        if element.get("payload") is None:
            return self.mod.ContentImpl.make_empty()
        if self.name == "0.3":
            return self.mod.ContentImpl(unb64(element["payload"]), unb64(element["iv"]))
        return self.mod.ContentImpl(unb64(element["payload"]))


class Device:
    def __init__(self, jid):
        self.jid = jid
        self.device_id = secrets.randbelow(2 ** 31 - 1) + 1
        storage = MemoryStorage()
        self.versions = {name: Version(name, storage) for name in ("0.3", "2")}

    async def setup(self):
        for version in self.versions.values():
            await version.backend.generate_pre_keys(PRE_KEYS)

    async def bundle(self, v):
        bundle = await v.backend.get_bundle(self.jid, self.device_id)
        return {"deviceId": self.device_id, "bundle": v.bundle_to_json(v.etree.serialize_bundle(bundle))}

    async def learn(self, v, cmd):
        # parse_bundle validates the XML against the backend's schema, as a fetched PEP item would be.
        parsed = v.etree.parse_bundle(v.bundle_from_json(cmd["bundle"]), cmd["jid"], cmd["device"])
        v.peer_bundles[(cmd["jid"], cmd["device"])] = parsed
        return {"identityEd25519": b64(parsed.identity_key)}

    async def encrypt(self, v, cmd):
        jid, device = cmd["jid"], cmd["device"]
        backend = v.backend
        if cmd.get("plaintext") is None:
            content, plain = await backend.encrypt_empty()
        else:
            content, plain = await backend.encrypt_plaintext(unb64(cmd["plaintext"]))
        session = await backend.load_session(jid, device)
        if session is None:
            session, encrypted = await backend.build_session_active(jid, device, v.peer_bundles[(jid, device)], plain)
        else:
            encrypted = await backend.encrypt_key_material(session, plain)
        key_exchange = session.key_exchange if session.initiation is Initiation.ACTIVE and not session.confirmed else None
        await backend.store_session(session)
        element = {"sender": self.device_id, "keys": [{
            "jid": jid, "device": device, "kex": key_exchange is not None,
            "data": b64(v.serialize_key(encrypted, key_exchange)),
        }]}
        if not content.empty:
            element["payload"] = b64(content.ciphertext)
        if v.name == "0.3":
            element["iv"] = b64(content.initialization_vector)
        return {"element": element}

    async def decrypt(self, v, cmd):
        jid, element = cmd["jid"], cmd["element"]
        sender = element["sender"]
        backend = v.backend
        key = next((k for k in element["keys"] if k["device"] == self.device_id), None)
        if key is None:
            return {"error": "NotForThisDevice"}
        encrypted, key_exchange = v.parse_key(jid, sender, unb64(key["data"]), key["kex"])
        session = await backend.load_session(jid, sender)
        if key_exchange is None:
            if session is None:
                return {"error": "NoSession"}
            plain = await backend.decrypt_key_material(session, encrypted)
        else:
            if key_exchange.identity_key != v.peer_bundles[(jid, sender)].identity_key:
                return {"error": "PublicDataInconsistency"}
            if session is not None and session.initiation is Initiation.PASSIVE and session.key_exchange.builds_same_session(key_exchange):
                plain = await backend.decrypt_key_material(session, encrypted)
            else:
                session, plain = await backend.build_session_passive(jid, sender, key_exchange, encrypted)
        content = v.content(element)
        plaintext = None if content.empty else await backend.decrypt_plaintext(content, plain)
        await backend.store_session(session)
        if key_exchange is not None and await backend.delete_pre_key(session):
            visible = await backend.get_num_visible_pre_keys()
            if visible < PRE_KEYS:
                await backend.generate_pre_keys(PRE_KEYS - visible)
        return {"plaintext": None if plaintext is None else b64(plaintext), "usedPreKey": key_exchange is not None}


async def handle(device, cmd):
    op = cmd["op"]
    if op == "hello":
        return {"deviceId": device.device_id}
    v = device.versions[cmd["version"]]
    if op == "bundle":
        return await device.bundle(v)
    if op == "learn":
        return await device.learn(v, cmd)
    if op == "encrypt":
        return await device.encrypt(v, cmd)
    if op == "decrypt":
        return await device.decrypt(v, cmd)
    raise ValueError(f"unknown op {op}")


def main():
    loop = asyncio.new_event_loop()
    device = Device(sys.argv[1] if len(sys.argv) > 1 else "python@oracle.test")
    loop.run_until_complete(device.setup())
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = loop.run_until_complete(handle(device, json.loads(line)))
        except Exception as error:  # every failure is an answer: the test decides what it means
            answer = {"error": type(error).__name__, "message": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
