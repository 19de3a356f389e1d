"""Publishes an empty OMEMO 0.3 device list as the given account, then quits. profanity 0.13 adds
its own device only to a list it could read, and a new account has none: see profanity.ts."""
import asyncio
import ssl
import sys

import slixmpp
from slixmpp.xmlstream import ET

NODE = "eu.siacs.conversations.axolotl.devicelist"


def main():
    jid, password, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = slixmpp.ClientXMPP(jid.split("/")[0] + "/rig-seed", password)
    client.register_plugin("xep_0060")
    # The test server's certificate is self-signed; this client only seeds a node on loopback.
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    done = asyncio.get_event_loop().create_future()

    async def start(_):
        try:
            await client["xep_0060"].publish(jid.split("/")[0], NODE, id="current", payload=ET.Element("{eu.siacs.conversations.axolotl}list"))
            done.set_result(0)
        except Exception as error:  # reported on stderr, the exit code says it failed
            print(f"publishing the empty device list failed: {error}", file=sys.stderr)
            done.set_result(1)
        client.disconnect()

    client.add_event_handler("session_start", start)
    client.add_event_handler("failed_auth", lambda _: done.done() or done.set_result(2))
    client.connect(("127.0.0.1", port))
    code = asyncio.get_event_loop().run_until_complete(asyncio.wait_for(done, 15))
    sys.exit(code)


if __name__ == "__main__":
    main()
