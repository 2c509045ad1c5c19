#!/usr/bin/env python3
"""The transparency log, measured (docs/BENCHMARKS.md, "Transparency log").

  appends and proofs   `entente log bench` on SQLite and on PostgreSQL: entries appended end to end (each in
                       its own transaction as documents append them, then integrated into tiles and a signed
                       checkpoint), one per transaction from 8 writers and 100 per transaction; then the log is
                       filled to --entries and inclusion and consistency proofs are computed from its tiles.
  quorum               a hub and --witnesses peer nodes (real `entente serve` processes): after each append the
                       time from the hub signing its checkpoint to a majority of witnesses, and to all of them,
                       having cosigned it, read from the hub's own database.

    swift build -c release --product entente
    python3 Benchmarks/tlog_bench.py                                   # everything, defaults below
    python3 Benchmarks/tlog_bench.py --only appends --entries 1000000 --postgres postgres://postgres@127.0.0.1:55432/postgres
    python3 Benchmarks/tlog_bench.py --only quorum --witnesses 50 --rounds 10
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from hotline_bench import Node, percentile, progress, start_all  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def log_bench(binary, database, entries, appends, proofs):
    args = [binary, "log", "bench", "--entries", str(entries), "--appends", str(appends), "--proofs", str(proofs), "--json"]
    if database:
        args += ["--database", database]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def scratch_postgres(admin_url):
    """A fresh database beside `admin_url`'s, and a function that drops it."""
    name = "entente_log_bench_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}", lambda: subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def quorum(binary, root, witnesses, rounds, interval_ms):
    hub = Node(binary, root, "HUB")
    peers = [Node(binary, root, f"W{n:02d}") for n in range(1, witnesses + 1)]
    nodes = [hub] + peers
    try:
        progress(f"quorum: starting {len(nodes)} nodes")
        start_all(nodes, "--log-interval-ms", str(interval_ms))
        progress("quorum: pinning the hub and its witnesses to each other")
        for peer in peers:
            hub.api("POST", "peers", {"url": peer.url, "fingerprint": peer.fingerprint})
            peer.api("POST", "peers", {"url": hub.url, "fingerprint": hub.fingerprint})
        diplomat = hub.diplomat_token()
        database = Path(hub.data) / "entente.sqlite"
        majority = witnesses // 2 + 1
        results = []
        for round_number in range(1, rounds + 1):
            size = latest_size(database)
            hub.api("POST", "messages", {"to": [peers[0].id], "template": "free-text", "priority": "routine",
                                         "subject": f"Quorum round {round_number}"}, token=diplomat)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                newest = latest_size(database)
                if newest > size and len(cosignatures(database, newest)) == witnesses:
                    break
                time.sleep(0.01)
            newest = latest_size(database)
            signed = sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute(
                "SELECT signed_at FROM tlog_checkpoints WHERE size = ?", (newest,)).fetchone()[0]
            times = [t - signed for t in cosignatures(database, newest)]
            result = {"size": newest, "quorum_ms": times[majority - 1] if len(times) >= majority else None,
                      "all_ms": times[-1] if len(times) == witnesses else None, "cosigned": len(times)}
            results.append(result)
            progress(f"quorum round {round_number}/{rounds}: {majority} of {witnesses} after {result['quorum_ms']} ms, "
                     f"all after {result['all_ms']} ms")
        quorum_ms = [r["quorum_ms"] for r in results if r["quorum_ms"] is not None]
        all_ms = [r["all_ms"] for r in results if r["all_ms"] is not None]
        return {"witnesses": witnesses, "majority": majority, "rounds": rounds,
                "quorum_median_ms": percentile(quorum_ms, 50) if quorum_ms else None,
                "quorum_max_ms": max(quorum_ms) if quorum_ms else None,
                "all_median_ms": percentile(all_ms, 50) if all_ms else None,
                "all_max_ms": max(all_ms) if all_ms else None, "rounds_detail": results}
    finally:
        for node in nodes:
            node.stop()


def latest_size(database):
    row = sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute("SELECT MAX(size) FROM tlog_checkpoints").fetchone()
    return row[0] or 0


def cosignatures(database, size):
    return [row[0] for row in sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute(
        "SELECT cosigned_at FROM tlog_cosignatures WHERE size = ? ORDER BY cosigned_at", (size,))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--only", choices=["appends", "quorum"])
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size when proofs are measured")
    parser.add_argument("--appends", type=int, default=10_000, help="entries appended one per transaction")
    parser.add_argument("--proofs", type=int, default=2_000)
    parser.add_argument("--postgres", default=os.environ.get("ENTENTE_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server's admin URL: a scratch database is made beside it")
    parser.add_argument("--witnesses", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--log-interval-ms", type=int, default=100, help="the hub's batch interval in the quorum run")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    report = {}
    if arguments.only in (None, "appends"):
        progress("appends and proofs on SQLite")
        report["sqlite"] = log_bench(arguments.binary, None, arguments.entries, arguments.appends, arguments.proofs)
        if arguments.postgres:
            progress("appends and proofs on PostgreSQL")
            url, drop = scratch_postgres(arguments.postgres)
            try:
                report["postgres"] = log_bench(arguments.binary, url, arguments.entries, arguments.appends, arguments.proofs)
            finally:
                drop()
        else:
            progress("⚠️  no --postgres URL: PostgreSQL NOT measured")
    if arguments.only in (None, "quorum"):
        with tempfile.TemporaryDirectory() as root:
            report["quorum"] = quorum(arguments.binary, root, arguments.witnesses, arguments.rounds, arguments.log_interval_ms)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
