#!/usr/bin/env python3
"""TAXII 2.1 servers side by side on one machine, one workload, one client.

Workload, for N indicators: add them in bundles of 500 (POST .../objects/), read them all back
in pages of 1,000 with match[type]=indicator (following `next`), then read incrementally with
added_after (the last 10 %: added after the time the last tenth began to be added). Reports
objects per second and p50/p99 latency per request for each phase.

Servers: Entente (`entente serve`, release build, SQLite), the OASIS reference server
medallion (memory backend) and EclecticIQ's OpenTAXII (SQL backend, SQLite, gunicorn).
The Python peers come from PyPI into a virtual environment:

    swift build -c release --product entente
    python3 -m venv /tmp/benchenv && /tmp/benchenv/bin/pip install medallion opentaxii gunicorn requests "flask<2.3" "werkzeug<2.3" "sqlalchemy<2"
    python3 Benchmarks/taxii_bench.py --server entente --server medallion --count 2000
    python3 Benchmarks/taxii_bench.py --server entente --server opentaxii --count 100000 --read-budget 600
    python3 Benchmarks/taxii_bench.py --server entente --count 1000000
"""
import argparse
from datetime import datetime, timezone
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[1]
TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, auth, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, auth=auth, headers={"Accept": TAXII}, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def indicators(start, count):
    return [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": "2026-11-22T10:00:00.000Z",
             "modified": "2026-11-22T10:00:00.000Z", "name": f"C2 {n}", "pattern": f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']",
             "pattern_type": "stix", "valid_from": "2026-11-22T10:00:00Z", "object_marking_refs": [GREEN]} for n in range(start, start + count)]


class Server:
    """A server process the workload runs against."""
    process: subprocess.Popen

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker still busy with a request the read budget gave up on
            self.process.kill()
            self.process.wait()


class Entente(Server):
    name = "entente"

    def __init__(self, root, args):
        self.binary = args.entente_bin
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        data = str(Path(root) / "entente")
        subprocess.run([self.binary, "init", "--data", data, "--id", "EST", "--name", "Bench", "--kind", "state", "--url", self.url], check=True, capture_output=True)
        self.process = subprocess.Popen([self.binary, "serve", "--data", data, "--port", str(port), "--log-level", "error",
                                         "--user-rate-limit", "1000000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        token = Path(data, "operator-token").read_text().strip()
        wait_for(self.url + "/health", None)
        api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        collection = requests.post(self.url + "/api/v1/taxii/collections", json={"title": "bench", "defaultTLP": "green"}, headers=api).json()
        account = requests.post(self.url + "/api/v1/taxii/accounts", json={"name": "bench", "relation": "member", "read": [collection["id"]],
                                                                           "write": [collection["id"]]}, headers=api).json()
        self.auth = ("bench", account["token"])
        self.discovery = self.url + "/taxii2/"


class Medallion(Server):
    name = "medallion"

    def __init__(self, root, args):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        data = {
            "/discovery": {"title": "medallion", "default": f"{self.url}/api1/", "api_roots": [f"{self.url}/api1/"]},
            "api1": {"information": {"title": "api1", "versions": [TAXII], "max_content_length": 1 << 30}, "status": [],
                     "collections": [{"id": str(uuid.uuid4()), "title": "bench", "can_read": True, "can_write": True,
                                      "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]},
        }
        Path(root, "medallion-data.json").write_text(json.dumps(data))
        config = {"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": str(Path(root, "medallion-data.json"))},
                  "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}
        Path(root, "medallion.json").write_text(json.dumps(config))
        self.process = subprocess.Popen([str(Path(args.venv, "bin", "medallion")), "--host", "127.0.0.1", "--port", str(port),
                                         str(Path(root, "medallion.json"))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.auth = ("bench", "bench")
        self.discovery = self.url + "/taxii2/"
        wait_for(self.discovery, self.auth)


class OpenTAXII(Server):
    name = "opentaxii"

    def __init__(self, root, args):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = Path(root, "opentaxii.yml")
        config.write_text(f"""---
domain: "127.0.0.1:{port}"
support_basic_auth: yes
auth_api:
  class: opentaxii.auth.sqldb.SQLDatabaseAPI
  parameters:
    db_connection: sqlite:///{root}/opentaxii-auth.db
    create_tables: yes
    secret: benchmark-secret-not-for-production
    token_ttl_secs: 36000
taxii1: false
taxii2:
  title: opentaxii
  max_content_length: 1073741824
  public_discovery: yes
  persistence_api:
    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI
    parameters:
      db_connection: sqlite:///{root}/opentaxii-data.db
      create_tables: yes
logging:
  opentaxii: warning
  root: warning
""")
        env = dict(os.environ, OPENTAXII_CONFIG=str(config))
        binary = lambda name: str(Path(args.venv, "bin", name))
        subprocess.run([binary("opentaxii-add-api-root"), "-t", "api1", "--default"], env=env, check=True, capture_output=True)
        subprocess.run([binary("opentaxii-create-account"), "-u", "bench", "-p", "bench", "--admin"], env=env, check=True, capture_output=True)
        # OpenTAXII 0.9.3 on SQLite hands uuid.UUID ids to json.dumps, which refuses them (a 500 on
        # every collection listing); this shim serialises them as strings and changes nothing else.
        Path(root, "opentaxii_uuid_shim.py").write_text(
            "import functools, json\nimport opentaxii.taxii2.http as http\n"
            "http.json = type('json', (), {'dumps': staticmethod(functools.partial(json.dumps, default=str))})\n"
            "from opentaxii.http import app\n")
        self.process = subprocess.Popen([binary("gunicorn"), "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}", "--pythonpath", str(root),
                                         "opentaxii_uuid_shim:app"],
                                        env=env, stdout=open(Path(root, "opentaxii.log"), "w"), stderr=subprocess.STDOUT)
        self.auth = ("bench", "bench")
        self.discovery = self.url + "/taxii2/"
        wait_for(self.discovery, self.auth)
        root_url = requests.get(self.discovery, auth=self.auth, headers={"Accept": TAXII}).json()["api_roots"][0]
        root_id = root_url.rstrip("/").rsplit("/", 1)[1]
        subprocess.run([binary("opentaxii-add-collection"), "-r", root_id, "-t", "bench", "--public", "--public-write"], env=env, check=True,
                       capture_output=True)



SERVERS = {"entente": Entente, "medallion": Medallion, "opentaxii": OpenTAXII}


def summary(latencies, objects, seconds):
    ordered = sorted(latencies)
    return {"objects": objects, "seconds": seconds, "objects_per_second": objects / seconds if seconds else 0,
            "p50_ms": statistics.median(ordered) * 1000, "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1) + 0.5))] * 1000,
            "requests": len(ordered)}


def workload(server, count, progress, read_budget=None):
    session = requests.Session()
    session.auth = server.auth
    session.headers["Accept"] = TAXII
    root = urljoin(server.discovery, session.get(server.discovery).json()["api_roots"][0])
    collection = session.get(root + "collections/").json()["collections"][0]
    objects_url = f"{root}collections/{collection['id']}/objects/"

    latencies, started, cut = [], time.monotonic(), None
    last_tenth = (count * 9 // 10) // 500 * 500
    for start in range(0, count, 500):
        if start == last_tenth:  # the incremental read asks for what was added from here on (same machine, same clock)
            cut = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = json.dumps({"objects": indicators(start, min(500, count - start))})
        t = time.monotonic()
        response = session.post(objects_url, data=body, headers={"Content-Type": TAXII})
        latencies.append(time.monotonic() - t)
        response.raise_for_status()
        if start and start % 50_000 == 0:
            progress(f"{server.name}: added {start}")
    add = summary(latencies, count, time.monotonic() - started)
    # Whether adding stays flat as the collection grows: the median request in each tenth of the run.
    tenth = max(1, len(latencies) // 10)
    add["p50_ms_by_tenth"] = [statistics.median(latencies[i:i + tenth]) * 1000 for i in range(0, tenth * 10, tenth)] if len(latencies) >= 10 else []
    progress(f"{server.name}: added {count} at {add['objects_per_second']:.0f}/s")

    def read(params):
        """Reads every page, or as many as the time budget allows (the result then says `partial`)."""
        latencies, seen, started = [], 0, time.monotonic()
        params = dict(params, limit=1000)
        params["match[type]"] = "indicator"
        while True:
            t = time.monotonic()
            try:
                remaining = read_budget - (t - started) if read_budget else None
                response = session.get(objects_url, params=params, timeout=remaining)
            except requests.Timeout:
                progress(f"{server.name}: read budget spent waiting for a page, after {seen} objects")
                return dict(summary(latencies or [time.monotonic() - t], seen, time.monotonic() - started), partial=True)
            latencies.append(time.monotonic() - t)
            response.raise_for_status()
            envelope = response.json()
            seen += len(envelope.get("objects", []))
            if not envelope.get("more") or not envelope.get("next"):
                break
            params["next"] = envelope["next"]
            if read_budget and time.monotonic() - started > read_budget:
                progress(f"{server.name}: read budget spent after {seen} objects")
                return dict(summary(latencies, seen, time.monotonic() - started), partial=True)
        return summary(latencies, seen, time.monotonic() - started)

    full = read({})
    progress(f"{server.name}: read {full['objects']} at {full['objects_per_second']:.0f}/s, page p50 {full['p50_ms']:.0f} ms")
    incremental = read({"added_after": cut})
    return {"add": add, "read": full, "incremental": incremental}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", action="append", choices=sorted(SERVERS), help="servers to run (repeatable; default entente)")
    parser.add_argument("--count", type=int, default=2000, help="indicators to add (N)")
    parser.add_argument("--entente-bin", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--venv", default="/tmp/benchenv", help="the virtual environment holding medallion, opentaxii and gunicorn")
    parser.add_argument("--read-budget", type=float, help="seconds each read phase may take; past it, the pages read so far are reported")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    progress = lambda text: print(text, file=sys.stderr, flush=True)
    results = {"count": args.count, "servers": {}}
    for name in args.server or ["entente"]:
        root = tempfile.mkdtemp(prefix=f"taxii-bench-{name}-")
        server = SERVERS[name](root, args)
        try:
            results["servers"][name] = workload(server, args.count, progress, args.read_budget)
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        return print(json.dumps(results, indent=2))
    print(f"N = {args.count}")
    print(f"{'server':<10} {'phase':<12} {'objects/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9}")
    for name, phases in results["servers"].items():
        for phase, r in phases.items():
            partial = f"  (partial: {r['objects']} objects in {r['seconds']:.0f} s)" if r.get("partial") else ""
            print(f"{name:<10} {phase:<12} {r['objects_per_second']:>10.0f} {r['p50_ms']:>9.1f} {r['p99_ms']:>9.1f} {r['requests']:>9}{partial}")
        if phases["add"]["p50_ms_by_tenth"]:
            print(f"{name:<10} add p50 ms by tenth of N: " + " ".join(f"{ms:.0f}" for ms in phases["add"]["p50_ms_by_tenth"]))


if __name__ == "__main__":
    main()
