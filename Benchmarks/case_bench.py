#!/usr/bin/env python3
"""A long incident case between two real `entente serve` processes: does each new event cost
the same whatever the case's length?

EST opens a case and invites LVA; then EST adds evidence through its API, one event after
another, until the case holds N events. Reported per block of events: the median API time to
record one (EST checks it against the case's state, signs, stores, queues), and the time from
the block's first event until LVA holds the whole block (LVA checks each arriving event
against its state of the case).
A node that refolds the case from every stored event for each new one grows linearly here.

    swift build -c release --product entente
    python3 Benchmarks/case_bench.py [--events 1000] [--block 100] [--binary PATH] [--json]
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forum_bench import wait  # noqa: E402
from hotline_bench import ROOT, Node, progress, start_all  # noqa: E402


def held_events(node, case_id, token):
    return len(node.api("GET", f"cases/{case_id}", token=token)["timeline"])


def run(binary, root, events, block):
    estonia, latvia = Node(binary, root, "EST"), Node(binary, root, "LVA")
    nodes = [estonia, latvia]
    try:
        start_all(nodes)
        estonia.api("POST", "peers", {"url": latvia.url, "fingerprint": latvia.fingerprint})
        latvia.api("POST", "peers", {"url": estonia.url, "fingerprint": estonia.fingerprint})
        tokens = {node.id: node.diplomat_token() for node in nodes}
        respond_by = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        case_id = estonia.api("POST", "cases", {"title": "Benchmark case", "summary": "Many events.", "sectors": ["banking"],
                                                 "impact": "moderate", "tlp": "amber", "exercise": True}, token=tokens["EST"])["id"]
        estonia.api("POST", f"cases/{case_id}/events", {"kind": "notification", "body": {
            "participants": ["LVA"], "message": "Benchmark.", "respondBy": respond_by}}, token=tokens["EST"])
        wait("LVA holds the case", lambda: _holds(latvia, case_id, tokens["LVA"], 2))
        rows = []
        count = 2
        while count < events:
            durations = []
            started_block = time.monotonic()
            for n in range(block):
                started = time.monotonic()
                estonia.api("POST", f"cases/{case_id}/events", {"kind": "evidence", "body": {
                    "description": f"Batch {count + n}", "files": [], "indicators": [{"type": "domain-name", "value": f"c{count + n}.example"}],
                    "tlp": "amber"}}, token=tokens["EST"])
                durations.append((time.monotonic() - started) * 1000)
            count += block
            # Polled rarely: reading a long case back is itself work for the node.
            wait("LVA holds the block", lambda: _holds(latvia, case_id, tokens["LVA"], count), interval=0.05)
            held_after = (time.monotonic() - started_block) * 1000
            rows.append({"events": count, "record_ms_p50": round(statistics.median(durations), 2),
                         "record_ms_p90": round(sorted(durations)[int(len(durations) * 0.9)], 2),
                         "block_held_by_LVA_ms": round(held_after)})
            progress(f"case: {count} events, record p50 {rows[-1]['record_ms_p50']} ms, block held after {rows[-1]['block_held_by_LVA_ms']} ms")
        return {"events": count, "block": block, "rows": rows}
    finally:
        for node in nodes:
            node.stop()


def _holds(node, case_id, token, count):
    try:
        return held_events(node, case_id, token) >= count
    except Exception:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--block", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="entente-case-bench-") as root:
        result = run(arguments.binary, root, arguments.events, arguments.block)
    if arguments.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'events':>8} {'record p50 ms':>14} {'record p90 ms':>14} {'block held by LVA ms':>21}")
        for row in result["rows"]:
            print(f"{row['events']:>8} {row['record_ms_p50']:>14} {row['record_ms_p90']:>14} {row['block_held_by_LVA_ms']:>21}")


if __name__ == "__main__":
    main()
