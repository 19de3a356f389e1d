"""Runs python-xeddsa (libxeddsa, the library python-omemo signs and converts keys with) and libsodium
(through PyNaCl, names prefixed "sodium_") on a batch of calls for the XEdDSA and key-conversion tests. stdin: a JSON list of [function, args...] with bytes as
hex and booleans as JSON booleans; stdout: a JSON list of results (hex, or booleans)."""
import json
import sys

import nacl.bindings as sodium
import xeddsa.bindings as xeddsa

ALLOWED = {
    "ed25519_priv_sign", "ed25519_seed_sign", "ed25519_verify", "priv_force_sign", "seed_to_priv",
    "priv_to_curve25519_pub", "priv_to_ed25519_pub", "seed_to_ed25519_pub", "ed25519_pub_to_curve25519_pub",
    "curve25519_pub_to_ed25519_pub", "x25519",
}
SODIUM = {
    "sodium_pk_to_curve25519": sodium.crypto_sign_ed25519_pk_to_curve25519,
    # libsodium's secret key is seed ‖ public key; the result is the clamped X25519 scalar.
    "sodium_sk_to_curve25519": sodium.crypto_sign_ed25519_sk_to_curve25519,
}


def decode(arg):
    return arg if isinstance(arg, bool) else bytes.fromhex(arg)


def encode(result):
    return result if isinstance(result, bool) else result.hex()


results = []
for name, *args in json.load(sys.stdin):
    if name in SODIUM:
        results.append(encode(SODIUM[name](*map(decode, args))))
    elif name in ALLOWED:
        results.append(encode(getattr(xeddsa, name)(*map(decode, args))))
    else:
        raise ValueError(f"not allowed: {name}")
json.dump(results, sys.stdout)
