#!/usr/bin/env python3
"""A forum vote on loopback, with real `entente serve` processes: one chair and N member nodes.

1. Ballots: every member casts its signed ballot at once (through its own API); the time until
   the chair holds all N (polled every 10 ms).
2. Result: the chair publishes the result (every ballot, every member's keys); the time until
   every member's node holds it and has verified it (recount included).
3. Offline verification: `entente verify` on the published file (size, median of 5 runs),
   which checks N+1 signatures and recounts.

    swift build -c release --product entente
    python3 Benchmarks/forum_bench.py [--members 30] [--json]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hotline_bench import ROOT, Node, progress, start_all  # noqa: E402


def wait(description, condition, timeout=300, interval=0.01):
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out: {description}")
        time.sleep(interval)
    return (time.monotonic() - started) * 1000


def proposal(node, forum_id):
    return node.api("GET", f"forums/{forum_id}")["proposals"][0]


def run(binary, root, members, voting_seconds):
    chair = Node(binary, root, "CHAIR")
    others = [Node(binary, root, f"M{n:03d}") for n in range(1, members + 1)]
    nodes = [chair] + others
    try:
        progress(f"forum: starting {len(nodes)} nodes")
        start_all(nodes)
        progress("forum: pinning every pair (a forum's entries go to all its members)")
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda node: [node.api("POST", "peers", {"url": other.url, "fingerprint": other.fingerprint}) for other in nodes if other is not node],
                          nodes))
        forum_id = chair.api("POST", "record", {"kind": "forum", "body": {"name": "Bench", "mandate": "", "members": [m.id for m in others]}})["id"]
        wait("members hold the forum", lambda: all(m.api("GET", "forums") for m in others))
        others[0].api("POST", "record", {"kind": "proposal", "space": f"forum:{forum_id}",
                                        "body": {"title": "Statement", "category": "statement", "text": "A text to decide on. " * 40}})
        wait("the chair holds the proposal", lambda: chair.api("GET", f"forums/{forum_id}")["proposals"])
        version = proposal(chair, forum_id)["versions"][0]
        deadline = datetime.now(timezone.utc) + timedelta(seconds=voting_seconds)
        call_id = chair.api("POST", "record", {"kind": "vote-call", "space": f"forum:{forum_id}", "body": {
            "proposal": proposal(chair, forum_id)["id"], "version": 1, "textDigest": version["digest"],
            "rule": {"method": "two-thirds", "quorumPercent": 50, "abstentions": "not-counted"},
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S.") + f"{deadline.microsecond // 1000:03d}Z"}})["id"]
        wait("members hold the call", lambda: all("vote" in proposal(m, forum_id) for m in others))

        progress(f"forum: {members} members vote at once")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda m: m[1].api("POST", "record", {"kind": "ballot", "space": f"forum:{forum_id}",
                                                                 "body": {"call": call_id, "choice": ["yes", "yes", "no", "abstain"][m[0] % 4]}}),
                          enumerate(others)))
        accepted_ms = (time.monotonic() - started) * 1000
        wait("the chair holds every ballot", lambda: len(proposal(chair, forum_id)["vote"]["ballots"]) == members)
        ballots_ms = (time.monotonic() - started) * 1000

        time.sleep(max(0, (deadline - datetime.now(timezone.utc)).total_seconds()) + 0.2)
        progress("forum: the chair publishes the result")
        started = time.monotonic()
        chair.api("POST", "record", {"kind": "result", "space": f"forum:{forum_id}", "body": {"call": call_id}})
        published_ms = (time.monotonic() - started) * 1000
        pending = list(others)

        def everyone_holds_it():
            while pending and "result" in proposal(pending[0], forum_id)["vote"]:
                pending.pop(0)
            return not pending
        wait("every member holds the result", everyone_holds_it)
        result_ms = (time.monotonic() - started) * 1000

        file = Path(root) / "result.json"
        subprocess.run([binary, "forum", "result", "--node", chair.url, "--token", chair.token, forum_id, call_id, "-o", str(file)],
                       check=True, capture_output=True)
        verify_times = []
        for _ in range(5):
            started = time.monotonic()
            subprocess.run([binary, "verify", str(file)], check=True, capture_output=True)
            verify_times.append((time.monotonic() - started) * 1000)
        outcome = proposal(chair, forum_id)["vote"]["result"]["outcome"]
        return {"members": members, "ballots_accepted_ms": accepted_ms, "ballots_at_chair_ms": ballots_ms, "publish_ms": published_ms,
                "result_at_every_member_ms": result_ms, "result_bytes": file.stat().st_size, "verify_median_ms": statistics.median(verify_times),
                "verify_all_ms": verify_times, "outcome": outcome}
    finally:
        for node in nodes:
            node.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--voting-seconds", type=int, default=20, help="how long the vote stays open (all ballots must arrive by then)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not found: run `swift build -c release --product entente` first")
    root = tempfile.mkdtemp(prefix="entente-forum-bench-")
    try:
        results = run(args.bin, root, args.members, args.voting_seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        return print(json.dumps(results, indent=2))
    r = results
    print(f"Forum of {r['members']} members: all ballots accepted by their nodes in {r['ballots_accepted_ms']:.0f} ms, "
          f"held by the chair after {r['ballots_at_chair_ms']:.0f} ms; result published in {r['publish_ms']:.0f} ms, "
          f"held and verified by every member after {r['result_at_every_member_ms']:.0f} ms; "
          f"result file {r['result_bytes']} bytes, `entente verify` median {r['verify_median_ms']:.0f} ms; outcome {r['outcome']}")


if __name__ == "__main__":
    main()
