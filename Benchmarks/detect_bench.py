#!/usr/bin/env python3
"""Detection throughput, side by side in one run (docs/BENCHMARKS.md, "Detection"):

  indicators    `entente detect` loading 1,000,000 STIX indicators: time and peak memory, against the
                indicator file's size and the size of its values as a plain intel list (what Zeek's Intel
                framework reads).
  logs          lines per second per log (conn, dns, http, files), with every detector (indicators, beacons,
                generated names) and with matching only (--no-dga --no-beacons), against
                  - just reading the file: `wc -l`, and Python iterating over its lines;
                  - `grep -F -f VALUES` over the same log (every indicator value as a fixed string);
                  - a plain Python hash-set lookup of the same fields (resp_h, the query and its parents,
                    http://host+uri, the three hashes).
                The hits must equal the generator's expected.json, valid-only and ignoring validity.
  patterns      STIX pattern × observation evaluations per second on the 423 conformance cases, against the
                OASIS reference matcher (stix2-matcher 3.0.0) on the same cases.

Needs the release build (swift build -c release --product entente) and the data of
../shared/data/detection/bench/make_bench.py (generated here into --bench if it is missing: ~100 s, 761 MB).

    python3 Benchmarks/detect_bench.py [--bench /tmp/entente-bench] [--only indicators|logs|patterns]
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ENTENTE_SHARED_DATA") or ROOT.parent / "shared" / "data")
LOGS = ("conn.log", "dns.log", "http.log", "files.log")


def timed(command, **kwargs):
    """Wall time and peak resident memory (MiB) of a command, with its output."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - started
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib / 1024, result


def indicator_values(bench):
    """Every indicator's value, as a plain list (one per line), and the total bytes of the values."""
    path = bench / "values.txt"
    if not path.exists():
        with open(bench / "indicators.jsonl") as source, open(path, "w") as out:
            for line in source:
                value = re.search(r"'((?:[^'\\]|\\.)*)'", json.loads(line)["pattern"]).group(1)
                out.write(value + "\n")
    return path


def python_set_matcher(bench, values_path, log):
    """A plain Python hash-set matcher over the fields Entente reads: seconds and hits."""
    values = set(line.rstrip("\n") for line in open(values_path))
    started = time.perf_counter()
    hits = 0
    fields = None
    with open(bench / log, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                if line.startswith("#fields"):
                    fields = {name: i for i, name in enumerate(line.rstrip("\n").split("\t")[1:])}
                continue
            cols = line.rstrip("\n").split("\t")
            if log == "conn.log":
                hits += cols[fields["id.resp_h"]] in values
            elif log == "dns.log":
                name = cols[fields["query"]].lower().rstrip(".")
                labels = name.split(".")
                hits += any(".".join(labels[i:]) in values for i in range(len(labels)))
            elif log == "http.log":
                hits += ("http://" + cols[fields["host"]] + cols[fields["uri"]]) in values
            else:
                hits += any(cols[fields[h]] in values for h in ("md5", "sha1", "sha256"))
    return time.perf_counter() - started, hits


def python_read(bench, log):
    started = time.perf_counter()
    with open(bench / log, encoding="utf-8", errors="replace") as f:
        for _ in f:
            pass
    return time.perf_counter() - started


def logs_and_indicators(args, bench, expected):
    binary = args.binary
    values = indicator_values(bench)
    raw = (bench / "indicators.jsonl").stat().st_size
    values_bytes = values.stat().st_size
    empty = bench / "empty.log"
    empty.write_text("")
    baseline, baseline_peak, _ = timed([binary, "detect", str(empty), "--indicators", str(empty)])
    load, load_peak, result = timed([binary, "detect", str(empty), "--indicators", str(bench / "indicators.jsonl")])
    print(f"== indicators: 1,000,000 loaded in {load - baseline:.2f} s, peak {load_peak:.0f} MiB "
          f"({load_peak - baseline_peak:.0f} MiB above the binary's own {baseline_peak:.0f} MiB)")
    print(f"   indicator file {raw / 2**20:.0f} MiB; its values as a plain list {values_bytes / 2**20:.1f} MiB "
          f"(Zeek's Intel framework: 6-7x its intel file)")
    print("   " + result.stderr.strip().splitlines()[0])
    if args.only == "indicators":
        return
    print("== logs (seconds; lines/s for entente)")
    print(f"   {'log':10} {'lines':>9} {'wc -l':>7} {'py read':>8} {'grep -F':>8} {'py set':>8} {'entente':>8} {'lines/s':>10} {'matching only':>14}")
    paths = [str(bench / log) for log in LOGS]
    matched = subprocess.run([binary, "detect", *paths, "--indicators", str(bench / "indicators.jsonl"), "--json"],
                             capture_output=True, text=True, check=True)
    ignoring = subprocess.run([binary, "detect", *paths, "--indicators", str(bench / "indicators.jsonl"), "--json",
                               "--ignore-validity"], capture_output=True, text=True, check=True)
    # What grep and the Python set do, and no more: indicators only, no beacon or generated-name scoring.
    matching_only = subprocess.run([binary, "detect", *paths, "--indicators", str(bench / "indicators.jsonl"), "--json",
                                    "--no-dga", "--no-beacons"], capture_output=True, text=True, check=True)

    # entente reports each log's reading and matching time, after the indicators are loaded.
    def per_log(stderr):
        return {Path(m.group(1)).name: float(m.group(2)) for m in re.finditer(r"^(\S+): \d+ lines, .* in ([0-9.]+) s", stderr, re.M)}
    reported, reported_matching = per_log(matched.stderr), per_log(matching_only.stderr)
    def indicator_hits(output):
        return sum(f["count"] for f in map(json.loads, output.splitlines()) if f["kind"] == "indicator")
    total_hits = {"valid": indicator_hits(matched.stdout), "all": indicator_hits(ignoring.stdout)}
    for log in LOGS:
        path = bench / log
        lines = sum(1 for _ in open(path, "rb"))
        wc, _, _ = timed(["wc", "-l", str(path)])
        py_read = python_read(bench, log)
        grep, _, _ = timed(["grep", "-c", "-F", "-f", str(values), str(path)])
        py_set, _ = python_set_matcher(bench, values, log)
        seconds = reported[log]
        print(f"   {log:10} {lines:>9,} {wc:>7.2f} {py_read:>8.2f} {grep:>8.2f} {py_set:>8.2f} {seconds:>8.2f} {lines / seconds:>10,.0f}"
              f" {reported_matching[log]:>14.2f}")
    kinds = expected["kinds"]
    want_valid = sum(k["records_hit_valid_only"] for k in kinds.values())
    want_all = sum(k["records_hit"] for k in kinds.values())
    print(f"   hits: {total_hits['valid']:,} valid-only (expected {want_valid:,}), "
          f"{total_hits['all']:,} ignoring validity (expected {want_all:,})")
    assert (total_hits["valid"], total_hits["all"]) == (want_valid, want_all), "the hits differ from expected.json"


def patterns(args):
    cases = SHARED / "detection" / "stix-patterns" / "cases.jsonl"
    swift = subprocess.run([args.binary, "detect", "bench-patterns", str(cases), "--rounds", "200"],
                           capture_output=True, text=True, check=True)
    swift_rate = json.loads(swift.stdout)["evaluationsPerSecond"]
    try:
        from stix2matcher.matcher import match
    except ImportError:
        print("== patterns: entente %.0f evaluations/s; stix2-matcher is not installed (pip install stix2-matcher==3.0.0)" % swift_rate)
        return
    loaded = [json.loads(line) for line in open(cases)]
    started = time.perf_counter()
    evaluations = 0
    for _ in range(3):
        for case in loaded:
            try:
                match(case["pattern"], case["observations"], stix_version="2.1")
            except Exception:
                pass
            evaluations += 1
    python_rate = evaluations / (time.perf_counter() - started)
    print(f"== patterns: entente {swift_rate:,.0f} evaluations/s, stix2-matcher {python_rate:,.0f}/s: "
          f"{swift_rate / python_rate:,.0f}x (each case compiled and matched, 423 cases)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default="/tmp/entente-bench")
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "entente"))
    parser.add_argument("--only", choices=["indicators", "logs", "patterns"])
    args = parser.parse_args()
    bench = Path(args.bench)
    if args.only != "patterns" and not (bench / "expected.json").exists():
        print(f"generating the benchmark data into {bench} (make_bench.py, ~100 s)…", file=sys.stderr)
        subprocess.run([sys.executable, str(SHARED / "detection" / "bench" / "make_bench.py"), "--out", str(bench)], check=True)
    if args.only in (None, "indicators", "logs"):
        logs_and_indicators(args, bench, json.loads((bench / "expected.json").read_text()))
    if args.only in (None, "patterns"):
        patterns(args)


if __name__ == "__main__":
    main()
