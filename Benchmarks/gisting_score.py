#!/usr/bin/env python3
"""Machine gisting scored on FLORES-200 devtest (../shared/data/languages/flores-200, 1,012 sentences) with
sacrebleu: chrF and BLEU (13a tokenisation) of `entente language translate` (Apertium from Debian, through
Spanish where there is no direct pair) against the professional translation, per language pair.

    pip install sacrebleu; swift build --product entente
    python3 Benchmarks/gisting_score.py [--binary .build/debug/entente] [--pairs en-es,fr-es,it-es,en-fr] [--json]
"""
import argparse
import json
import os
import subprocess
from pathlib import Path

import sacrebleu

ROOT = Path(__file__).resolve().parents[1]
FLORES = Path(os.environ.get("ENTENTE_SHARED_DATA") or ROOT.parent / "shared" / "data") / "languages" / "flores-200"


def score(binary, source, target):
    original = (FLORES / f"devtest.{source}").read_text(encoding="utf-8").splitlines()
    reference = (FLORES / f"devtest.{target}").read_text(encoding="utf-8").splitlines()
    result = subprocess.run([binary, "language", "translate", "--from", source, "--to", target, "-"],
                            input="\n".join(original), capture_output=True, text=True, check=True)
    gist = result.stdout.rstrip("\n").split("\n")
    assert len(gist) == len(reference), f"{source}→{target}: {len(gist)} lines for {len(reference)}"
    return {"pair": f"{source}-{target}", "route": result.stderr.split(", ")[1].split(":")[0],
            "chrF": round(sacrebleu.corpus_chrf(gist, [reference]).score, 1),
            "BLEU": round(sacrebleu.corpus_bleu(gist, [reference]).score, 1), "sentences": len(gist)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "debug" / "entente"))
    parser.add_argument("--pairs", default="en-es,fr-es,it-es,en-fr,fr-en,es-it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [score(args.binary, *pair.split("-")) for pair in args.pairs.split(",")]
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'pair':7} {'route':16} {'chrF':>6} {'BLEU':>6}")
    for row in results:
        print(f"{row['pair']:7} {row['route']:16} {row['chrF']:>6} {row['BLEU']:>6}")


if __name__ == "__main__":
    main()
