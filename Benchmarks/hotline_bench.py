#!/usr/bin/env python3
"""Hotline benchmarks on loopback, with real `entente serve` processes.

1. Fan-out: one flash notification from one node to N peer nodes (default 50);
   the time from the sender's `createdAt` until every peer has stored it and its
   signed receipt is verified and recorded at the sender.
2. Sustained: messages per second between two nodes on SQLite, with p50/p99
   delivery latency (sent → receipt recorded), under C concurrent API clients.

Times come from the nodes' own timestamps (one machine, one clock).

    swift build -c release --product entente
    python3 Benchmarks/hotline_bench.py [--peers 50] [--rounds 10] [--messages 2000] [--concurrency 8] [--rate R]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def millis(timestamp):
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Node:
    def __init__(self, binary, root, participant):
        self.binary, self.id, self.port = binary, participant, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = str(Path(root) / participant.lower())
        out = subprocess.run([binary, "init", "--data", self.data, "--id", participant, "--name", f"Node {participant}",
                              "--kind", "state", "--url", self.url, "--json"], check=True, capture_output=True, text=True)
        self.fingerprint = json.loads(out.stdout)["fingerprint"]
        self.token = Path(self.data, "operator-token").read_text().strip()
        self.process = None

    def start(self, *extra):
        self.log = open(Path(self.data) / "serve.log", "w")
        self.process = subprocess.Popen([self.binary, "serve", "--data", self.data, "--port", str(self.port), "--log-level", "warning",
                                         "--user-rate-limit", "100000", "--peer-rate-limit", "100000", *extra],
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.id} did not start")

    def api(self, method, path, body=None, token=None):
        request = urllib.request.Request(self.url + "/api/v1/" + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def diplomat_token(self):
        """A diplomatic POC's personal token: flash notifications speak for the state, and the operator
        token signs none. A node from before personal tokens took flash from the operator token."""
        self.api("POST", "users", {"username": "desk", "displayName": "Cyber desk", "role": "diplomatic-poc",
                                   "password": "benchmark-password"})
        try:
            return self.api("POST", "users/desk/tokens")["token"]
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)


def progress(text):
    print(text, file=sys.stderr, flush=True)


def start_all(nodes, *extra):
    for node in nodes:
        node.start(*extra)
    for node in nodes:
        node.wait_healthy()


def fan_out(binary, root, peers, rounds):
    hub = Node(binary, root, "HUB")
    others = [Node(binary, root, f"P{n:02d}") for n in range(1, peers + 1)]
    nodes = [hub] + others
    try:
        progress(f"fan-out: starting {len(nodes)} nodes")
        start_all(nodes)
        progress("fan-out: pinning")
        for peer in others:
            hub.api("POST", "peers", {"url": peer.url, "fingerprint": peer.fingerprint})
            peer.api("POST", "peers", {"url": hub.url, "fingerprint": hub.fingerprint})
        results = []
        diplomat = hub.diplomat_token()
        for round_number in range(1, rounds + 1):
            message_id = hub.api("POST", "messages", {"to": [p.id for p in others], "template": "notification", "priority": "flash",
                                                      "subject": f"Fan-out round {round_number}", "fields": {"incidentType": "ddos"}},
                                 token=diplomat)["id"]
            while True:
                message = hub.api("GET", f"messages/{message_id}")
                if all(d["deliveredAt"] for d in message["deliveries"]):
                    break
                time.sleep(0.01)
            sent = millis(message["sentAt"])
            elapsed = max(millis(d["deliveredAt"]) for d in message["deliveries"]) - sent
            results.append(elapsed)
            progress(f"fan-out round {round_number}/{rounds}: all {peers} receipts after {elapsed:.0f} ms")
        return {"peers": peers, "rounds": rounds, "median_ms": statistics.median(results), "min_ms": min(results),
                "max_ms": max(results), "all_ms": results}
    finally:
        for node in nodes:
            node.stop()


def sustained(binary, root, messages, concurrency, rate):
    sender, receiver = Node(binary, root, "SND"), Node(binary, root, "RCV")
    try:
        start_all([sender, receiver])
        sender.api("POST", "peers", {"url": receiver.url, "fingerprint": receiver.fingerprint})
        receiver.api("POST", "peers", {"url": sender.url, "fingerprint": sender.fingerprint})
        ids, lock = [], threading.Lock()

        def send(n):
            if rate:
                # Open-loop pacing: message n is due at n / rate, whether or not earlier ones are done.
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            message_id = sender.api("POST", "messages", {"to": ["RCV"], "template": "free-text", "priority": "routine",
                                                         "subject": f"Message {n}", "body": "x" * 512, "tlp": "green"})["id"]
            with lock:
                ids.append(message_id)
                if len(ids) % 500 == 0:
                    progress(f"sustained: {len(ids)}/{messages} accepted")

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(send, range(messages)))
        accepted_seconds = time.monotonic() - started
        progress("sustained: waiting for the last receipts")
        while sender.api("GET", "outbox")["depth"] > 0:
            time.sleep(0.05)
        latencies, sent_times, delivered_times = [], [], []
        for message_id in ids:
            message = sender.api("GET", f"messages/{message_id}")
            sent, delivered = millis(message["sentAt"]), millis(message["deliveries"][0]["deliveredAt"])
            latencies.append(delivered - sent)
            sent_times.append(sent)
            delivered_times.append(delivered)
        window = (max(delivered_times) - min(sent_times)) / 1000
        return {"messages": messages, "concurrency": concurrency, "offered_rate": rate or "unbounded", "messages_per_second": messages / window,
                "api_accept_per_second": messages / accepted_seconds, "p50_ms": percentile(latencies, 50),
                "p99_ms": percentile(latencies, 99), "max_ms": max(latencies)}
    finally:
        sender.stop()
        receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--peers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=0, help="offer this many messages per second (default: as fast as the clients can)")
    parser.add_argument("--only", choices=["fan-out", "sustained"], help="run one of the two benchmarks")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not found: run `swift build -c release --product entente` first")
    root = tempfile.mkdtemp(prefix="entente-bench-")
    try:
        results = {"machine": {"cores": os.cpu_count(), "date": datetime.utcnow().strftime("%Y-%m-%d")}}
        if args.only != "sustained":
            results["fan_out"] = fan_out(args.bin, root, args.peers, args.rounds)
        if args.only != "fan-out":
            results["sustained"] = sustained(args.bin, root, args.messages, args.concurrency, args.rate)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        f, s = results.get("fan_out"), results.get("sustained")
        if f:
            print(f"Fan-out to {f['peers']} nodes: median {f['median_ms']:.0f} ms (min {f['min_ms']:.0f}, max {f['max_ms']:.0f}) over {f['rounds']} rounds")
        if s:
            print(f"Sustained, 2 nodes on SQLite: {s['messages_per_second']:.0f} messages/s delivered "
              f"(API accepted {s['api_accept_per_second']:.0f}/s); latency p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, max {s['max_ms']:.0f} ms")


if __name__ == "__main__":
    main()
