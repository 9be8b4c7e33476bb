#!/usr/bin/env python3
"""One measured reviewbot process: load SOURCE(s) through the in-process API, review every
series (hunk mode, or tree mode with --tree REPO), print one JSON line with the counts and
the CPU time of each stage.  benchmarks/run.py starts it and adds wall time and peak RSS.

    .venv/bin/python benchmarks/worker.py [--tree REPO] SOURCE...
"""

from __future__ import annotations

import json
import logging
import sys
import time


def main(argv: list[str]) -> int:
    t0, c0 = time.perf_counter(), time.process_time()
    tree = None
    if argv[:1] == ["--tree"]:
        tree, argv = argv[1], argv[2:]
    logging.disable(logging.CRITICAL)  # a crashing check is a note; the log would flood stderr
    from reviewbot import pipeline
    from reviewbot.errors import InputError

    from reviewbot.ingest import b4 as _b4  # noqa: F401  (imported on first load otherwise)
    from reviewbot.registry import all_checks

    all_checks()  # the rule modules: start-up, not review
    pipeline.batch_gc()  # as the CLI's batch commands do

    c_import = time.process_time()
    errors: list[InputError] = []
    opts = pipeline.Options(tree=tree)
    all_series = pipeline.load(argv, opts=opts, errors=errors)
    c_load = time.process_time()
    findings = 0
    internal = 0
    with pipeline.session(opts):  # as `reviewbot review` does: tree mode's git plumbing once
        for series in all_series:
            review = pipeline.review_series(series, opts)
            findings += len(review.shown())
            internal += sum(1 for n in review.notes if n.startswith("internal:"))
    c_review = time.process_time()
    print(json.dumps({
        "series": len(all_series),
        "patches": sum(len(s.patches) for s in all_series),
        "changed_lines": sum(1 for s in all_series for p in s.patches for f in p.files
                             for ln in f.lines() if ln.kind != " "),
        "unreadable_threads": len(errors),
        "findings": findings,
        "crashed_checks": internal,
        "cpu_import": c_import - c0,
        "cpu_load": c_load - c_import,
        "cpu_review": c_review - c_load,
        "wall_in_process": time.perf_counter() - t0,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
