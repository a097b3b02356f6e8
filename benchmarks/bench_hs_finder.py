"""HS finder: how often the right subheading comes first and in the first five, and how fast a search is.

    python benchmarks/bench_hs_finder.py [--set FILE] [--pg URL] [--tuning]

The set is `hs-classification/public_set.csv` of the shared data folder (goods descriptions in traders' and
rulings' words with their HS 2022 subheading; CLEARWAY_HS_SET overrides). It is split in two by a hash of
each description: the finder's weights, synonyms and test cases were chosen looking at the "tuning" half only,
so the "held out" half is the honest figure. "same as memory" is the share of descriptions for which a path
returns the very first five (codes and scores) of the in-memory core. Two baselines are measured in the same
run: the word ranking over the nomenclature's own words alone (no national lines, trade names or synonyms), and
the finder's word ranking alone (BM25F over nomenclature, national lines and trade names, with synonyms); the
meaning ranking alone (nearest static embeddings) is shown too. `--tuning` measures the tuning half alone,
for choosing weights without seeing the held-out half.
Aims (issue 11): top-1 >= 35% and top-5 >= 60% on unseen descriptions; a search under 20 ms."""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from clearway.db import make_engine, make_sessionmaker, migrate, transaction  # noqa: E402
from clearway.reference import finder, search_index, semantic  # noqa: E402
from clearway.reference.hs import nomenclature  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "hs-classification" / "public_set.csv"


def halves(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    tuning = [r for r in rows if int(hashlib.sha1(r["description"].encode()).hexdigest(), 16) % 2 == 0]
    return tuning, [r for r in rows if r not in tuning]


def quality(rows: list[dict], search) -> tuple[float, float]:
    top1 = top5 = 0
    for r in rows:
        codes = [c for c, _ in search(r["description"])]
        top1 += bool(codes) and codes[0] == r["hs6"]
        top5 += r["hs6"] in codes[:5]
    return top1 / len(rows), top5 / len(rows)


def timed(rows: list[dict], search) -> tuple[float, float]:
    ms = []
    for r in rows:
        started = time.perf_counter()
        search(r["description"])
        ms.append((time.perf_counter() - started) * 1000)
    ms.sort()
    return statistics.median(ms), ms[int(len(ms) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=os.environ.get("CLEARWAY_HS_SET", str(SHARED)))
    ap.add_argument("--pg", default=os.environ.get("CLEARWAY_BENCH_PG"))
    ap.add_argument("--tuning", action="store_true", help="the tuning half only (no held-out figures)")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.set, encoding="utf-8")))
    tuning, held_out = halves(rows)
    if args.tuning:
        rows = held_out = tuning
    n = nomenclature()
    started = time.perf_counter()
    corpus = n.corpus
    print(f"corpus: {len(corpus.docs)} subheadings, {len(corpus.postings)} terms, built in "
          f"{time.perf_counter() - started:.2f} s")

    base = finder.Corpus(finder.make_doc(c, n.entries[c].description, n.entries[c[:4]].description,
                                         n.entries[c[:2]].description, ()) for c in n.subheadings)

    def baseline(q: str):
        w = finder.query_weights(q, {})
        return finder.rank(w, None, base, 5)

    def words_only(q: str):
        return n.ranked_by_words(q, None, 5)

    def meaning_only(q: str):
        return semantic.nearest(n.similarities(q), 5)

    def memory(q: str):
        return [(e.code, s) for e, s in n.search(q, 5)]

    started = time.perf_counter()
    n.similarities("warm up")
    print(f"word-piece vectors loaded and subheadings embedded in {time.perf_counter() - started:.2f} s")
    paths = {"baseline (nomenclature words only)": baseline, "baseline: words (BM25F) alone": words_only,
             "meaning (embedding) alone": meaning_only, "finder, in memory": memory}
    engines = [("SQLite FTS5", f"sqlite:///{tempfile.mkdtemp()}/bench.db")] + ([("PostgreSQL", args.pg)] if args.pg else [])
    for name, url in engines:
        engine = make_engine(url)
        migrate(engine)
        factory = make_sessionmaker(engine)
        with transaction(factory) as s:
            started = time.perf_counter()
            search_index.ensure(s)
            print(f"{name}: index filled in {time.perf_counter() - started:.2f} s")

        def in_db(q: str, factory=factory):
            with transaction(factory) as s:
                return [(e.code, sc) for e, sc in search_index.search(s, q, 5)]

        paths[f"finder, {name}"] = in_db

    print(f"set: {len(rows)} descriptions; tuning half {len(tuning)}, held-out half {len(held_out)}"
          + (" (--tuning: the held-out columns are the tuning half again)" if args.tuning else ""))
    print(f"{'path':40} {'held-out top1':>13} {'top5':>6} {'tuning top1':>11} {'top5':>6} {'all top1':>8} {'top5':>6}"
          f" {'p50 ms':>7} {'p95 ms':>7} {'same as memory':>14}")
    for name, search in paths.items():
        h, t, a = quality(held_out, search), quality(tuning, search), quality(rows, search)
        p50, p95 = timed(rows, search)
        same = sum(search(r["description"]) == memory(r["description"]) for r in rows) / len(rows)
        print(f"{name:40} {h[0]:13.1%} {h[1]:6.1%} {t[0]:11.1%} {t[1]:6.1%} {a[0]:8.1%} {a[1]:6.1%} {p50:7.2f} {p95:7.2f}"
              f" {same:14.1%}")


if __name__ == "__main__":
    main()
