"""singer-io's tap-xero against the Xero simulator, compared with Ledgerkeep's ledger.

    # tap-xero syncs every stream it has from one organisation of the simulator
    python tap_vs_ledger.py tap --xero-base URL --client-id ID --tenant-id T --out T.singer
    # its records against the ledger's, id for id and amount for amount
    python tap_vs_ledger.py compare --cli ledgerkeep-cli --data-dir DIR --tap T=T.singer ...

`tap` signs in to the simulator as its own app would (authorisation code with
PKCE; the simulator consents at once), hands tap-xero the refresh token, runs
its discovery, selects every stream, and syncs from 2000-01-01 through
tap_xero_sim.py. A stream whose path the simulator answers 404 to fails the
run, unless --may-be-unserved names it: then it is left out, and said so. The
singer output (SCHEMA, RECORD and STATE lines) goes to --out; the tap's own
log to --out + ".log".

`compare` reads that output and the ledger (`ledgerkeep-cli export <Entity>
--format json`, which writes each amount as Xero's own digits) and checks, per
organisation and stream: the same ids, and in each record every amount and
other value both sides hold equal (dates as dates). Exit status 1 and one line
per difference when anything differs.

Amounts are read as decimals from their text, never through a float here. The
tap itself is another matter: tap-xero parses Xero's JSON into decimals, but
singer-python's Transformer then turns every `number` field into a Python
float, and the digits it writes are that float's shortest form (1234.50 comes
out as 1234.5). So amounts are compared as decimal values, whatever their
scale; an amount of more than 15 significant digits would come out of the tap
changed, and be reported.

Two differences are Xero's own and expected: tap-xero reads tracking
categories without `includeArchived`, so the archived ones are not in its
answer; and it reads without `unitdp=4`, so Xero rounds unit prices to 2
places (half away from zero) where Ledgerkeep keeps 4.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
START_DATE = "2000-01-01T00:00:00Z"
# The granular read scopes of every endpoint tap-xero reads (the broad
# `accounting.transactions.read` is refused to apps made from March 2026).
SCOPES = " ".join(
    [
        "offline_access",
        "accounting.settings.read",
        "accounting.contacts.read",
        "accounting.invoices.read",
        "accounting.payments.read",
        "accounting.banktransactions.read",
        "accounting.manualjournals.read",
        "accounting.journals.read",
    ]
)

# tap-xero's stream id -> the entity Ledgerkeep keeps for it (its export name).
LEDGER_ENTITY = {
    "bank_transactions": "BankTransactions",
    "contacts": "Contacts",
    "quotes": "Quotes",
    "credit_notes": "CreditNotes",
    "invoices": "Invoices",
    "manual_journals": "ManualJournals",
    "overpayments": "Overpayments",
    "payments": "Payments",
    "prepayments": "Prepayments",
    "purchase_orders": "PurchaseOrders",
    "journals": "Journals",
    "accounts": "Accounts",
    "bank_transfers": "BankTransfers",
    "items": "Items",
    "contact_groups": "ContactGroups",
    "currencies": "Currencies",
    "organisations": "Organisation",
    "repeating_invoices": "RepeatingInvoices",
    "tax_rates": "TaxRates",
    "tracking_categories": "TrackingCategories",
}

# Ledger records a tap-xero stream leaves out by design, and why. tap-xero asks
# for tracking categories without `includeArchived`, so Xero (and the
# simulator) leave the archived ones out of its answer.
LEFT_OUT_BY_THE_TAP = {
    "tracking_categories": (lambda r: r.get("Status") == "ARCHIVED", "archived"),
}

# Unit prices tap-xero reads without `unitdp=4`: Xero rounds them to 2 places
# (half away from zero) in that answer; Ledgerkeep keeps the 4 places.
ROUNDED_TO_2DP = {"UnitAmount", "UnitPrice"}

DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- tap


def sign_in(requests, xero_base, client_id):
    """A refresh token from the simulator, by the authorisation code flow with PKCE."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    challenge = challenge.decode().rstrip("=")
    redirect_uri = "http://127.0.0.1:1/callback"
    state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    resp = requests.get(
        f"{xero_base}/identity/connect/authorize?{query}", allow_redirects=False, timeout=30
    )
    if resp.status_code != 302:
        raise SystemExit(f"sign-in: the authorize page answered {resp.status_code}, not a redirect")
    params = parse_qs(urlsplit(resp.headers["Location"]).query)
    if params.get("state") != [state] or "code" not in params:
        raise SystemExit("sign-in: the redirect carries no code for our state")
    resp = requests.post(
        f"{xero_base}/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    if resp.status_code != 200:
        raise SystemExit(f"sign-in: the token endpoint answered {resp.status_code}")
    tokens = resp.json()
    return tokens["access_token"], tokens["refresh_token"]


def unserved_streams(requests, args, access_token, stream_ids):
    """The streams whose path, as tap-xero builds it, the simulator answers 404 to."""
    out = {}
    for stream_id in stream_ids:
        path = stream_id.title().replace("_", "")  # as tap_xero.client.XeroClient.filter
        for _ in range(3):
            resp = requests.get(
                f"{args.xero_base}/api.xro/2.0/{path}",
                headers={"Authorization": f"Bearer {access_token}", "Xero-Tenant-Id": args.tenant_id,
                         "Accept": "application/json", "If-Modified-Since": "2100-01-01T00:00:00"},
                timeout=60,
            )
            if resp.status_code != 429:
                break
            time.sleep(int(resp.headers.get("Retry-After", "1")))
        if resp.status_code == 404:
            out[stream_id] = path
    return out


def run_tap(args):
    import requests  # from the tap's own environment

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="tap-xero-")
    config_path = os.path.join(work, "config.json")
    catalog_path = os.path.join(work, "catalog.json")
    access_token, refresh_token = sign_in(requests, args.xero_base, args.client_id)
    config = {
        "start_date": START_DATE,
        "client_id": args.client_id,
        # tap-xero requires a secret; the simulator, like a PKCE app, takes none.
        "client_secret": "unused-by-a-pkce-app",
        "tenant_id": args.tenant_id,
        "refresh_token": refresh_token,
        "include_archived_contacts": True,
        "user_agent": "tap-xero against the Ledgerkeep simulator",
    }
    with open(config_path, "w") as f:
        json.dump(config, f)
    wrapper = [sys.executable, os.path.join(HERE, "tap_xero_sim.py"), "--xero-base", args.xero_base, "--"]
    log_path = args.out + ".log"
    try:
        with open(log_path, "w") as err:
            with open(catalog_path, "w") as out:
                rc = subprocess.call(wrapper + ["--config", config_path, "--discover"], stdout=out, stderr=err)
            if rc != 0:
                fail_with_log("discovery", rc, log_path)
            with open(catalog_path) as f:
                catalog = json.load(f)
            names = {st["tap_stream_id"] for st in catalog["streams"]}
            unknown = set(args.may_be_unserved) - names
            if unknown:
                raise SystemExit(f"--may-be-unserved names no stream of tap-xero: {', '.join(sorted(unknown))}")
            unserved = unserved_streams(requests, args, access_token, sorted(names))
            refused = sorted(set(unserved) - set(args.may_be_unserved))
            if refused:
                raise SystemExit(
                    "the simulator answers 404 to tap-xero's "
                    + ", ".join(f"/{unserved[n]}" for n in refused)
                )
            with open(args.out + ".unserved", "w") as f:
                json.dump(unserved, f)
            if unserved:
                log("not served by the simulator yet (404), left out: " + ", ".join(f"/{p}" for p in unserved.values()))
            for stream in catalog["streams"]:
                selected = stream["tap_stream_id"] not in unserved
                stream["selected"] = selected
                for m in stream["metadata"]:
                    if m["breadcrumb"] == []:
                        m["metadata"]["selected"] = selected
            with open(catalog_path, "w") as f:
                json.dump(catalog, f)
            with open(args.out, "w") as out:
                rc = subprocess.call(
                    wrapper + ["--config", config_path, "--catalog", catalog_path], stdout=out, stderr=err
                )
            if rc != 0:
                fail_with_log("sync", rc, log_path)
    finally:
        # The config holds the (rotated) refresh token: it goes with the run.
        for p in (config_path, catalog_path):
            if os.path.exists(p):
                os.remove(p)
        os.rmdir(work)
    counts = {}
    for msg in read_singer(args.out):
        if msg["type"] == "RECORD":
            counts[msg["stream"]] = counts.get(msg["stream"], 0) + 1
    log(
        f"tap-xero synced {sum(counts.values())} records in {len(counts)} streams from {args.tenant_id} "
        f"in {time.monotonic() - started:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


def fail_with_log(step, rc, log_path):
    with open(log_path) as f:
        lines = f.read().splitlines()
    tail = [l for l in lines if "CRITICAL" in l or "ERROR" in l or "Error" in l][-10:] or lines[-10:]
    raise SystemExit(f"tap-xero's {step} exited with status {rc}:\n  " + "\n  ".join(tail))


# ---------------------------------------------------------------- compare


def read_singer(path):
    """The singer messages of a tap's output; numbers as Decimal from their text."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line, parse_float=Decimal, parse_int=Decimal)
            except ValueError as e:
                raise SystemExit(f"{path}:{n}: not a singer message ({e})")


def tap_records(path):
    """Per stream, the records and the stream's key fields, as the tap wrote
    them; and the streams the run left out because the simulator does not serve
    them (`tap` writes them beside its output)."""
    keys, records = {}, {}
    unserved = {}
    if os.path.exists(path + ".unserved"):
        with open(path + ".unserved") as f:
            unserved = json.load(f)
    for msg in read_singer(path):
        if msg["type"] == "SCHEMA":
            keys[msg["stream"]] = msg["key_properties"]
        elif msg["type"] == "RECORD":
            records.setdefault(msg["stream"], []).append(msg["record"])
    return keys, records, unserved


def ledger_records(cli, data_dir, entity):
    out = subprocess.run(
        [cli, "--data-dir", data_dir, "export", entity, "--format", "json"],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"ledgerkeep-cli export {entity} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def decimal_of(v):
    if isinstance(v, Decimal):
        return v
    if isinstance(v, str):
        try:
            return Decimal(v)
        except InvalidOperation:
            return None
    return None


def same_amount(key, tap, ledger):
    a, b = decimal_of(tap), decimal_of(ledger)
    if a is None or b is None:
        return False
    if key in ROUNDED_TO_2DP and b.as_tuple().exponent < -2:
        b = b.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return a == b


def same_date(tap, ledger):
    """A calendar date of the ledger's against the day of tap-xero's instant;
    an instant against an instant (the ledger's without offset is UTC, as Xero's
    `DateString`)."""
    if len(ledger) == 10:
        return tap[:10] == ledger
    a, b = datetime.fromisoformat(tap), datetime.fromisoformat(ledger)
    if a.tzinfo is None:
        a = a.replace(tzinfo=timezone.utc)
    if b.tzinfo is None:
        b = b.replace(tzinfo=timezone.utc)
    return a == b


def element_key(tap, ledger):
    """How to pair the elements of two lists: by an id field (`LineItemID`,
    `JournalLineID`...) that every element of both holds, once in each list;
    None to pair them by position."""
    items = tap + ledger
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for k in sorted(items[0]):
        if not k.endswith("ID"):
            continue
        if not all(isinstance(x.get(k), str) for x in items):
            continue
        if len({x[k] for x in tap}) == len(tap) and len({x[k] for x in ledger}) == len(ledger):
            return k
    return None


def diff(path, tap, ledger, out, seen):
    """Every value both records hold that differs, as (path, tap, ledger);
    `seen` counts the values compared, by kind. A path is a chain of
    (parent, step) pairs, spelled out by `path_text` only for a difference:
    this walks a few million values."""
    t = type(tap)
    if t is str:
        if type(ledger) is not str:
            out.append((path, tap, ledger))
        elif tap == ledger:
            seen["texts"] += 1
        elif DATE_TEXT.match(tap) and DATE_TEXT.match(ledger):
            # Dates: tap-xero writes RFC 3339 instants, the export ISO dates.
            seen["dates"] += 1
            if not same_date(tap, ledger):
                out.append((path, tap, ledger))
        else:
            seen["texts"] += 1
            out.append((path, tap, ledger))
    elif t is Decimal:
        seen["amounts"] += 1
        if not same_amount(path[1].lstrip("."), tap, ledger):
            out.append((path, str(tap), ledger))
    elif t is dict:
        if type(ledger) is not dict:
            out.append((path, "an object", ledger))
            return
        for k, v in tap.items():
            if k in ledger:
                diff((path, "." + k), v, ledger[k], out, seen)
    elif t is list:
        if type(ledger) is not list:
            out.append((path, "a list", ledger))
            return
        if len(tap) != len(ledger):
            out.append(((path, "[count]"), len(tap), len(ledger)))
        key = element_key(tap, ledger)
        if key:
            by_id = {x[key]: x for x in ledger}
            for x in tap:
                step = f"[{key}={x[key]}]"
                if x[key] not in by_id:
                    out.append(((path, step), "present", "missing"))
                else:
                    diff((path, step), x, by_id[x[key]], out, seen)
        else:
            for i, (x, y) in enumerate(zip(tap, ledger)):
                diff((path, f"[{i}]"), x, y, out, seen)
    elif t is bool:
        seen["flags"] += 1
        if tap is not ledger:
            out.append((path, tap, ledger))
    elif tap is None:
        if ledger is not None:
            out.append((path, None, ledger))
    else:
        out.append((path, tap, ledger))


def path_text(path):
    steps = []
    while path:
        path, step = path
        steps.append(step)
    return "".join(reversed(steps)).lstrip(".")


def compare(args):
    started = time.monotonic()
    # The ledger's exports run, one at a time (each opens the ledger, which
    # one process holds at once), while the tap's output is read.
    wanted = [LEDGER_ENTITY[s] for s in sorted(LEDGER_ENTITY) if not args.stream or s in args.stream]
    pool = ThreadPoolExecutor(max_workers=1)
    exports = {e: pool.submit(ledger_records, args.cli, args.data_dir, e) for e in wanted}
    per_tenant = {}
    for spec in args.tap:
        tenant, _, path = spec.partition("=")
        if not path:
            raise SystemExit(f"--tap wants TENANT_ID=FILE, not {spec!r}")
        per_tenant[tenant] = tap_records(path)

    streams = sorted({s for _, recs, _ in per_tenant.values() for s in recs} | set(LEDGER_ENTITY))
    if args.stream:
        streams = [s for s in streams if s in args.stream]
    problems = []
    compared = 0
    per_stream = Counter()
    seen = Counter()
    for tenant, (keys, recs, unserved) in per_tenant.items():
        for stream in streams:
            if stream in unserved:
                log(f"{tenant} {stream}: not compared, the simulator does not serve /{unserved[stream]}")
                continue
            tap_list = recs.get(stream, [])
            entity = LEDGER_ENTITY.get(stream)
            if entity is None:
                log(f"{tenant} {stream}: {len(tap_list)} records tap-xero has and Ledgerkeep does not keep")
                continue
            ledger = [r for r in exports[entity].result() if r.get("TenantID") == tenant]
            pk = keys.get(stream)
            if pk is None:
                if ledger:
                    problems.append(f"{tenant} {stream}: tap-xero sent no schema, the ledger has {len(ledger)} records")
                continue
            if len(pk) != 1:
                raise SystemExit(f"{stream}: a key of {len(pk)} fields")
            pk = pk[0]
            tap_by_id = {}
            for r in tap_list:
                if r[pk] in tap_by_id:
                    problems.append(f"{tenant} {stream} {r[pk]}: sent twice by tap-xero")
                tap_by_id[r[pk]] = r
            ledger_by_id = {r[pk]: r for r in ledger}
            left_out, why = LEFT_OUT_BY_THE_TAP.get(stream, (lambda r: False, ""))
            for i in sorted(ledger_by_id.keys() - tap_by_id.keys()):
                if not left_out(ledger_by_id[i]):
                    problems.append(f"{tenant} {stream} {i}: in the ledger, not in tap-xero's records")
            for i in sorted(tap_by_id.keys() - ledger_by_id.keys()):
                problems.append(f"{tenant} {stream} {i}: in tap-xero's records, not in the ledger")
            for i in sorted(tap_by_id.keys() & ledger_by_id.keys()):
                out = []
                diff(None, tap_by_id[i], ledger_by_id[i], out, seen)
                compared += 1
                per_stream[stream] += 1
                for path, a, b in out:
                    problems.append(f"{tenant} {stream} {i}: {path_text(path)} is {a} in tap-xero, {b} in the ledger")
    pool.shutdown()
    if args.require_records:
        for stream in streams:
            if stream in LEDGER_ENTITY and not per_stream[stream]:
                problems.append(f"{stream}: no record to compare in any organisation")
    log("records compared per stream: " + ", ".join(f"{k} {v}" for k, v in sorted(per_stream.items())))
    elapsed = time.monotonic() - started
    for p in problems[:200]:
        print(p)
    if len(problems) > 200:
        print(f"... and {len(problems) - 200} more")
    print(
        f"tap-xero vs ledger: {compared} records compared ({seen['amounts']} amounts, {seen['dates']} dates, "
        f"{seen['texts']} texts, {seen['flags']} flags) in {elapsed:.1f} s, {len(problems)} differences"
    )
    return 1 if problems else 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tap", help="run tap-xero against the simulator")
    t.add_argument("--xero-base", required=True)
    t.add_argument("--client-id", required=True)
    t.add_argument("--tenant-id", required=True)
    t.add_argument("--out", required=True)
    t.add_argument(
        "--may-be-unserved",
        action="append",
        default=[],
        metavar="STREAM",
        help="a stream of tap-xero's the simulator may answer 404 to, left out then (repeatable)",
    )
    c = sub.add_parser("compare", help="tap-xero's records against the ledger's")
    c.add_argument("--cli", required=True, help="the ledgerkeep-cli binary")
    c.add_argument("--data-dir", required=True, help="the ledger's data folder")
    c.add_argument("--tap", action="append", required=True, metavar="TENANT_ID=FILE")
    c.add_argument("--stream", action="append", default=[], help="compare only this stream (repeatable)")
    c.add_argument(
        "--require-records",
        action="store_true",
        help="a stream Ledgerkeep keeps with no record on either side is a difference",
    )
    args = p.parse_args(argv)
    if args.cmd == "tap":
        run_tap(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
