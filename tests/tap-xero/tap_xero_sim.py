"""singer-io's tap-xero, pointed at a Xero simulator instead of Xero.

    python tap_xero_sim.py --xero-base http://127.0.0.1:PORT -- --config config.json --discover
    python tap_xero_sim.py --xero-base http://127.0.0.1:PORT -- --config config.json --catalog catalog.json

Everything after `--` goes to tap-xero unchanged. The tap is not modified: its
HTTP session is replaced by one that sends what the tap addresses to Xero's API
(https://api.xero.com) and Xero's token endpoint (https://identity.xero.com) to
the simulator, path and query unchanged, and refuses any other address. The
tap's own token refresh (HTTP Basic with client id and secret, then the
rotated refresh token written back into its config file) runs as written: the
simulator reads the client id from Basic auth and, like a PKCE app, needs no
secret.
"""

import argparse
import sys
from urllib.parse import urlsplit

import requests
from tap_xero import client as tap_client
import tap_xero

XERO_BASES = ("https://api.xero.com/", "https://identity.xero.com/")


def rebase(url, sim_base):
    """The simulator's address for an address of Xero's."""
    for base in XERO_BASES:
        if url.startswith(base):
            return sim_base.rstrip("/") + "/" + url[len(base):]
    if url.startswith(sim_base.rstrip("/") + "/"):
        return url
    raise RuntimeError(
        "tap-xero asked for an address that is neither Xero's nor the simulator's: "
        + urlsplit(url).netloc
    )


def point_at(sim_base):
    """Makes every XeroClient the tap creates talk to the simulator."""

    class SimSession(requests.Session):
        def send(self, request, **kwargs):
            request.url = rebase(request.url, sim_base)
            return super().send(request, **kwargs)

    original_init = tap_client.XeroClient.__init__

    def init(self, config):
        original_init(self, config)
        self.session = SimSession()

    tap_client.XeroClient.__init__ = init


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xero-base", required=True, help="the simulator's base URL")
    parser.add_argument("tap_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    tap_args = args.tap_args
    if tap_args and tap_args[0] == "--":
        tap_args = tap_args[1:]
    point_at(args.xero_base)
    sys.argv = ["tap-xero", *tap_args]
    tap_xero.main()


if __name__ == "__main__":
    main(sys.argv[1:])
