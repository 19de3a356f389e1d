"""The glue python-omemo 1.0 leaves to its user, for the test rig's OMEMO peer (slix-omemo.py): a
storage in a JSON file, and device lists, bundles and key-transport messages over a slixmpp client's
PEP (XEP-0060/XEP-0163) for both backends, OMEMO 0.3 (oldmemo) and OMEMO 2 (twomemo)."""
import json
import os

import omemo
import oldmemo
import oldmemo.etree
import twomemo
import twomemo.etree
from slixmpp.exceptions import IqError, IqTimeout

OLD = oldmemo.oldmemo.NAMESPACE  # eu.siacs.conversations.axolotl
TWO = twomemo.twomemo.NAMESPACE  # urn:xmpp:omemo:2
VERSION = {OLD: "0.3", TWO: "2"}
NAMESPACE = {"0.3": OLD, "2": TWO}
DEVICE_LIST_NODE = {OLD: f"{OLD}.devicelist", TWO: f"{TWO}:devices"}
TWO_BUNDLES = f"{TWO}:bundles"
IQ_TIMEOUT = 10


def bundle_node(namespace, device_id):
    # 0.3 keeps one node per device; OMEMO 2 one node with an item per device.
    return f"{OLD}.bundles:{device_id}" if namespace == OLD else TWO_BUNDLES


class JsonStorage(omemo.Storage):
    """Everything python-omemo keeps, in one JSON file: a peer restarted on the same directory is
    the same device (same id, keys and sessions)."""

    def __init__(self, directory):
        super().__init__()
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, "omemo.json")
        self.data = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf8") as file:
                self.data = json.load(file)

    async def _load(self, key):
        return omemo.Just(self.data[key]) if key in self.data else omemo.Nothing()

    async def _store(self, key, value):
        self.data[key] = value
        self.flush()

    async def _delete(self, key):
        self.data.pop(key, None)
        self.flush()

    def flush(self):
        # Written whole and renamed, so a peer killed mid-write leaves the previous state, not half a file.
        temporary = self.path + ".tmp"
        with open(temporary, "w", encoding="utf8") as file:
            json.dump(self.data, file)
        os.replace(temporary, self.path)


def publish_options(xmpp, extra=None):
    form = xmpp["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    form.add_field(var="pubsub#access_model", value="open")
    for var, value in (extra or {}).items():
        form.add_field(var=var, value=value)
    return form


def node_config(xmpp, extra=None):
    form = xmpp["xep_0004"].make_form(ftype="submit")
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#node_config")
    form.add_field(var="pubsub#access_model", value="open")
    for var, value in (extra or {}).items():
        form.add_field(var=var, value=value)
    return form


async def pep_publish(xmpp, node, item_id, payload, extra=None):
    """Publishes to our own PEP node with access_model=open. A node made earlier with another
    configuration (by another client of the account) fails the precondition: configure it, then retry."""
    try:
        await xmpp["xep_0060"].publish(None, node, id=item_id, payload=payload, options=publish_options(xmpp, extra), timeout=IQ_TIMEOUT)
    except IqError as error:
        if error.iq["error"]["condition"] != "conflict":
            raise
        await xmpp["xep_0060"].set_node_config(None, node, node_config(xmpp, extra), timeout=IQ_TIMEOUT)
        await xmpp["xep_0060"].publish(None, node, id=item_id, payload=payload, options=publish_options(xmpp, extra), timeout=IQ_TIMEOUT)


async def pep_first_item(xmpp, jid, node, item_id=None):
    """The payload of one item of someone's PEP node (the given id, else the latest), or None when
    the node or item does not exist."""
    try:
        if item_id is None:
            iq = await xmpp["xep_0060"].get_items(jid, node, max_items=1, timeout=IQ_TIMEOUT)
        else:
            iq = await xmpp["xep_0060"].get_item(jid, node, item_id, timeout=IQ_TIMEOUT)
    except IqError as error:
        if error.iq["error"]["condition"] == "item-not-found":
            return None
        raise
    for item in iq["pubsub"]["items"]:
        payload = item.xml.find("*")
        if payload is not None:
            return payload
    return None


def manager_class(xmpp, send_stanza, trust_mode):
    """A SessionManager subclass bound to one slixmpp client. python-omemo calls its hooks from
    create() on an instance it makes itself, so the client travels on the class, not the instance."""

    class Manager(omemo.SessionManager):
        async def _upload_bundle(self, bundle):
            try:
                if bundle.namespace == OLD:
                    await pep_publish(xmpp, bundle_node(OLD, bundle.device_id), "current", oldmemo.etree.serialize_bundle(bundle))
                elif bundle.namespace == TWO:
                    await pep_publish(xmpp, TWO_BUNDLES, str(bundle.device_id), twomemo.etree.serialize_bundle(bundle), {"pubsub#max_items": "max"})
                else:
                    raise omemo.UnknownNamespace(bundle.namespace)
            except (IqError, IqTimeout) as error:
                raise omemo.BundleUploadFailed(repr(error)) from error

        async def _download_bundle(self, namespace, bare_jid, device_id):
            try:
                if namespace == OLD:
                    payload = await pep_first_item(xmpp, bare_jid, bundle_node(OLD, device_id))
                elif namespace == TWO:
                    payload = await pep_first_item(xmpp, bare_jid, TWO_BUNDLES, str(device_id))
                else:
                    raise omemo.UnknownNamespace(namespace)
            except (IqError, IqTimeout) as error:
                raise omemo.BundleDownloadFailed(repr(error)) from error
            if payload is None:
                raise omemo.BundleNotFound(f"{bare_jid} {device_id} {namespace}")
            try:
                module = oldmemo.etree if namespace == OLD else twomemo.etree
                return module.parse_bundle(payload, bare_jid, device_id)
            except Exception as error:  # a bundle that does not parse is as good as none
                raise omemo.BundleDownloadFailed(f"unreadable bundle: {error!r}") from error

        async def _delete_bundle(self, namespace, device_id):
            try:
                if namespace == OLD:
                    await xmpp["xep_0060"].delete_node(None, bundle_node(OLD, device_id), timeout=IQ_TIMEOUT)
                elif namespace == TWO:
                    await xmpp["xep_0060"].retract(None, TWO_BUNDLES, str(device_id), notify=True, timeout=IQ_TIMEOUT)
                else:
                    raise omemo.UnknownNamespace(namespace)
            except IqError as error:
                if error.iq["error"]["condition"] != "item-not-found":
                    raise omemo.BundleDeletionFailed(repr(error)) from error
            except IqTimeout as error:
                raise omemo.BundleDeletionFailed(repr(error)) from error

        async def _upload_device_list(self, namespace, device_list):
            module = oldmemo.etree if namespace == OLD else twomemo.etree
            if namespace not in DEVICE_LIST_NODE:
                raise omemo.UnknownNamespace(namespace)
            try:
                await pep_publish(xmpp, DEVICE_LIST_NODE[namespace], "current", module.serialize_device_list(device_list))
            except (IqError, IqTimeout) as error:
                raise omemo.DeviceListUploadFailed(repr(error)) from error

        async def _download_device_list(self, namespace, bare_jid):
            if namespace not in DEVICE_LIST_NODE:
                raise omemo.UnknownNamespace(namespace)
            try:
                payload = await pep_first_item(xmpp, bare_jid, DEVICE_LIST_NODE[namespace])
            except (IqError, IqTimeout) as error:
                raise omemo.DeviceListDownloadFailed(repr(error)) from error
            if payload is None:
                return {}
            module = oldmemo.etree if namespace == OLD else twomemo.etree
            try:
                return module.parse_device_list(payload)
            except Exception as error:
                raise omemo.DeviceListDownloadFailed(f"unreadable device list: {error!r}") from error

        async def _evaluate_custom_trust_level(self, device):
            level = device.trust_level_name
            if level in ("trusted", "blind"):
                return omemo.TrustLevel.TRUSTED
            if level == "distrusted":
                return omemo.TrustLevel.DISTRUSTED
            if level == "undecided":
                return omemo.TrustLevel.UNDECIDED
            raise omemo.UnknownTrustLevel(level)

        async def _make_trust_decision(self, undecided, identifier):
            # "all": every new key is trusted blindly. "btbv" (blind trust before verification): new keys
            # of a JID are trusted blindly until one of its keys was trusted by hand, then they stay
            # undecided and encryption fails. "manual": nothing is decided here.
            for device in undecided:
                if trust_mode == "all":
                    await self.set_trust(device.bare_jid, device.identity_key, "blind")
                elif trust_mode == "btbv":
                    known = await self.get_device_information(device.bare_jid)
                    if not any(d.trust_level_name == "trusted" for d in known):
                        await self.set_trust(device.bare_jid, device.identity_key, "blind")

        async def _send_message(self, message, bare_jid):
            # Only the library's own empty messages (session completion, heartbeats) come this way.
            try:
                send_stanza(message, bare_jid)
            except Exception as error:
                raise omemo.MessageSendingFailed(repr(error)) from error

    return Manager


async def own_device(manager):
    """This device's DeviceInformation (python-omemo keeps its id private)."""
    device, _others = await manager.get_own_device_information()
    return device


def fingerprint(identity_key):
    return "".join(omemo.SessionManager.format_identity_key(identity_key))
