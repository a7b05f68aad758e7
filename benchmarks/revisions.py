"""nndl against an earlier nndl: the same cases of ``run.py``, two source trees taking turns.

    git worktree add --detach ../before 4993b2a
    python benchmarks/revisions.py --before ../before/src --cases cat-f32,cat-f64,wide-f32

Each tree gets its own worker process of :mod:`run` (the ``--worker`` protocol), importing
nndl from ``--before`` or from ``--after`` (default: this checkout's ``src``) through
``PYTHONPATH``. Every round times one run of each, the order alternating from round to round
after the same pause, so that a slow spell of the shared machine falls on both; the table
gives each tree's median time and the median over rounds of after / before with its range.
The final cost of both is printed too: a refactoring that changed no number shows the same
cost to the last digit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import run

HERE = Path(__file__).resolve().parent


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src.resolve())
    env["NNDL_BENCH_SRC"] = str(src.resolve())  # run.py puts its own src/ first otherwise
    return env


def compare(case: str, trees: dict[str, Path], rounds: int, flags: list[str],
            pause: float) -> dict[str, dict]:
    """Time ``case`` in each tree's worker, alternating; return each tree's result + times."""
    workers = {name: run.Remote(case, "nndl", flags, env=_env(src))
               for name, src in trees.items()}
    return run.take_turns(workers, rounds, pause)


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="the earlier tree's src/")
    ap.add_argument("--after", type=Path, default=HERE.parent / "src",
                    help="the later tree's src/ (default: this checkout's)")
    ap.add_argument("--cases", default="cat-f32,cat-f64,wide-f32")
    ap.add_argument("--rounds", type=int, default=7, help="timed rounds per case (default 7)")
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer iterations")
    ap.add_argument("--tiny", action="store_true", help="tiny synthetic sizes (for tests)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs of the wide cases (1)")
    args = ap.parse_args(argv)
    for src in (args.before, args.after):
        if not (src / "nndl" / "__init__.py").is_file():
            ap.error(f"{src} holds no nndl package (give a tree's src/ folder)")
    cfg = run.config(args.quick, args.tiny)
    flags = run.worker_flags(args.quick, args.tiny, args.epochs)
    trees = {"before": args.before, "after": args.after}
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    hdr = (f"{'case':<19} {'before s':>9} {'after s':>9} {'after/before':>12} {'range':>11} "
           f"{'cost before':>12} {'cost after':>12}")
    lines = [f"nndl before ({args.before}) vs after ({args.after}) — {run.machine()} — "
             f"{started} — {args.rounds} alternating rounds per case", hdr, "-" * len(hdr)]
    for case in [c for c in args.cases.split(",") if c]:
        res = compare(case, trees, args.rounds, flags, cfg["pause"])
        b, a = res["before"], res["after"]
        each = [x / y for x, y in zip(a["times"], b["times"])]
        lines.append(f"{case:<19} {statistics.median(b['times']):>9.4g} "
                     f"{statistics.median(a['times']):>9.4g} {statistics.median(each):>12.3f} "
                     f"{min(each):.2f}-{max(each):.2f} {b['cost']:>12.6f} {a['cost']:>12.6f}")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
