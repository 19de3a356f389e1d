"""Stanza in/out for the test rig's OMEMO peer: python-omemo's messages to and from the <encrypted/>
element of each version (with the backends' own etree helpers), and the minimal Stanza Content
Encryption envelope (XEP-0420) that OMEMO 2 encrypts instead of a bare body."""
import base64
import datetime
import secrets
import xml.etree.ElementTree as ET

import oldmemo.etree
import twomemo.etree

from omemo_glue import OLD, TWO

SCE = "urn:xmpp:sce:1"
CLIENT = "jabber:client"


def find_encrypted(stanza_xml):
    """(namespace, <encrypted/>) of a message stanza's OMEMO element, OMEMO 2 first; or (None, None)."""
    for namespace in (TWO, OLD):
        element = stanza_xml.find(f"{{{namespace}}}encrypted")
        if element is not None:
            return namespace, element
    return None, None


def serialize(message):
    return (oldmemo.etree if message.namespace == OLD else twomemo.etree).serialize_message(message)


async def parse(namespace, element, sender_bare, own_bare, manager):
    # The etree parsers read the flag with bool(attribute), so prekey="false" (or kex="0") would mean a
    # key exchange; both XML booleans are valid, so the false ones are dropped before parsing.
    flag = "prekey" if namespace == OLD else "kex"
    for key in element.iter(f"{{{namespace}}}key"):
        if key.get(flag) in ("false", "0"):
            del key.attrib[flag]
    if namespace == OLD:
        return await oldmemo.etree.parse_message(element, sender_bare, own_bare, manager)
    return twomemo.etree.parse_message(element, sender_bare)


def tamper(element):
    """Flips one bit in the middle of the <payload/> ciphertext (for tests of authentication failures)."""
    payload = next((child for child in element.iter() if child.tag.endswith("}payload")), None)
    if payload is None or not payload.text:
        return False
    data = bytearray(base64.b64decode(payload.text))
    data[len(data) // 2] ^= 0x01
    payload.text = base64.b64encode(bytes(data)).decode("ascii")
    return True


def sce_envelope(body, sender_bare, recipient_bare):
    """The SCE envelope OMEMO 2 encrypts: the body, random padding, a timestamp, and both JIDs (the
    affix elements XEP-0384 asks for)."""
    envelope = ET.Element(f"{{{SCE}}}envelope")
    content = ET.SubElement(envelope, f"{{{SCE}}}content")
    ET.SubElement(content, f"{{{CLIENT}}}body").text = body
    # rpad hides the body's length; its length is random too, 0-32 characters.
    ET.SubElement(envelope, f"{{{SCE}}}rpad").text = secrets.token_urlsafe(secrets.randbelow(25))
    ET.SubElement(envelope, f"{{{SCE}}}time", stamp=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    ET.SubElement(envelope, f"{{{SCE}}}to", jid=recipient_bare)
    ET.SubElement(envelope, f"{{{SCE}}}from", jid=sender_bare)
    return ET.tostring(envelope, encoding="utf-8")


def parse_sce(plaintext):
    """{'body', 'from', 'to', 'affixes'} read from an SCE envelope; raises ValueError when it is none."""
    try:
        envelope = ET.fromstring(plaintext)
    except ET.ParseError as error:
        raise ValueError(f"sce-not-xml: {error}") from error
    if envelope.tag != f"{{{SCE}}}envelope":
        raise ValueError(f"sce-not-envelope: {envelope.tag}")
    content = envelope.find(f"{{{SCE}}}content")
    if content is None:
        raise ValueError("sce-no-content")
    # The content holds stanza children; a body in any namespace but a foreign one counts.
    body = content.find(f"{{{CLIENT}}}body")
    if body is None:
        body = content.find("body")
    affixes = sorted(child.tag.split("}")[-1] for child in envelope if child is not content)
    to = envelope.find(f"{{{SCE}}}to")
    sender = envelope.find(f"{{{SCE}}}from")
    return {
        "body": None if body is None else (body.text or ""),
        "to": None if to is None else to.get("jid"),
        "from": None if sender is None else sender.get("jid"),
        "affixes": affixes,
    }
