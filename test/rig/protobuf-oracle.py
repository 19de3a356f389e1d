"""Serializes and parses OMEMO's protobuf messages with python-omemo's own generated classes
(oldmemo_pb2 for 0.3, twomemo_pb2 for 2) and Google's protobuf runtime, for the wire-format tests.
stdin: a JSON list of ["serialize", module, message, {field: int | hex}] or ["parse", module, message, hex];
stdout: a JSON list of hex strings, field dicts, or {"error": ...}."""
import json
import sys

from google.protobuf.message import DecodeError

import oldmemo.oldmemo_pb2 as old
import twomemo.twomemo_pb2 as two

MODULES = {"old": old, "two": two}


def to_json(message):
    out = {}
    for field, value in message.ListFields():
        out[field.name] = value.hex() if isinstance(value, bytes) else (to_json(value) if hasattr(value, "ListFields") else value)
    return out


def run(op, module, name, arg):
    cls = getattr(MODULES[module], name)
    if op == "serialize":
        message = cls()
        for field, value in arg.items():
            if isinstance(value, int):
                setattr(message, field, value)
            elif isinstance(value, dict):
                getattr(message, field).CopyFrom(getattr(MODULES[module], value["type"]).FromString(bytes.fromhex(value["hex"])))
            else:
                setattr(message, field, bytes.fromhex(value))
        return message.SerializeToString().hex()
    try:
        return to_json(cls.FromString(bytes.fromhex(arg)))
    except DecodeError as error:
        return {"error": str(error)}


json.dump([run(*call) for call in json.load(sys.stdin)], sys.stdout)
