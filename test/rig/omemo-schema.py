# Reads OMEMO XML the way python-omemo does (oldmemo / twomemo etree: their XML schemas and
# parsers), to check that what we build is what that implementation takes.
# Usage: omemo-schema.py KIND VERSION < xml; KIND is devices, bundle or message; prints JSON.
import base64
import json
import sys
import xml.etree.ElementTree as ET

import oldmemo.etree
import twomemo.etree

kind, version = sys.argv[1], sys.argv[2]
module = twomemo.etree if version == "2" else oldmemo.etree
element = ET.fromstring(sys.stdin.read())
out = {"valid": True}
try:
    if kind == "devices":
        module.DEVICE_LIST_SCHEMA.validate(element)
        out["devices"] = {str(k): v for k, v in module.parse_device_list(element).items()}
    elif kind == "bundle":
        module.BUNDLE_SCHEMA.validate(element)
        bundle = module.parse_bundle(element, "someone@example.org", 1)
        out["identity"] = base64.b64encode(bundle.identity_key).decode()
        out["preKeys"] = len(bundle.bundle.pre_keys)
    elif kind == "message":
        # Only the schema: the parsers also read the key material, which a unit test makes up.
        module.MESSAGE_SCHEMA.validate(element)
except Exception as error:  # the test reads the failure
    out = {"valid": False, "error": f"{type(error).__name__}: {error}"[:400]}
print(json.dumps(out))
