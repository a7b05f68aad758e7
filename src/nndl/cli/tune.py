"""``nndl tune``: hyperparameter search on the dev set with Optuna (:mod:`nndl.tuning`).

    nndl tune --data digits --study digits-1 --trials 40 --layers 32 64,32 128,64 \\
              --hidden relu tanh --lr 1e-4:1e-1 --optimizer adam --batch-size 32 64 \\
              --epochs 20 --workers 2 --out best.npz --plot plots/
    nndl tune --study digits-1 --report          # the table of an existing study

Every search option is ``nndl train``'s, by the same name: several values are a choice,
``LO:HI`` a range (log-scaled for --lr, --lambd, --decay; ``LO:HI:linear`` / ``LO:HI:log`` to
say), one value fixed. The data options are train's and stay fixed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import tuning
from ..errors import NNDLError
from ..heads import HEADS
from . import arguments as a

NAME = "tune"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``tune`` sub-command: train's data options, its model and training options as
    search flags, and the study's own options."""
    from . import train

    t = subparsers.add_parser(
        NAME, help="search hyperparameters on the dev set (Optuna)",
        description="Search nndl train's settings on the dev set with Optuna: several values "
        "of a flag are a choice, LO:HI a range (log scale for --lr, --lambd, --decay; "
        "LO:HI:linear or LO:HI:log to say), one value is fixed. The study is stored "
        f"(default {tuning.DEFAULT_STORAGE}) and running the same command again resumes it; "
        "the same command on several machines with one --storage database shares it. "
        "Trials that fall behind the median are pruned.")
    train.add_data_options(t.add_argument_group("data (fixed for every trial)"))
    _test_help(t)
    search = t.add_argument_group("search: train's options, each a value, a choice of "
                                  "several, or a range LO:HI")
    for action in tuning.train_actions().values():
        if action.dest in tuning.SEARCHABLE or action.dest == "seed":
            _add_search_option(search, action)
    g = t.add_argument_group("the study")
    g.add_argument("--study", required=True, help="the study's name (running again resumes "
                   "it)")
    g.add_argument("--trials", type=a.positive_int, help="finished trials (complete or "
                   "pruned) the study should hold, counting earlier runs and all workers "
                   f"(default: {TRIALS})")
    g.add_argument("--storage", type=a.path,
                   help="database URL: sqlite:///FILE, postgresql://USER@HOST/DB "
                   f"or any other SQLAlchemy URL (default: {tuning.DEFAULT_STORAGE})")
    g.add_argument("--workers", type=a.number("an integer from 1 to 256", integer=True, low=1,
                                              high=256),
                   help="processes on this machine working on the study together (default: 1)")
    g.add_argument("--metric", type=a.lower, choices=list(dict.fromkeys(
                       m for h in HEADS.values() for m in h.metric_names)),
                   help="the dev-set metric to optimize (default: accuracy for "
                   "classification, rmse for regression)")
    g.add_argument("--no-pruning", dest="prune", action="store_const", const=False,
                   help="train every "
                   "trial to the end (default: a median pruner, fed the dev metric every "
                   f"epoch, or every iterations/{tuning.REPORTS_FULL_BATCH} full-batch "
                   "iterations)")
    g.add_argument("--heartbeat", type=a.number("an integer from 1 to 20 (seconds)",
                                                integer=True, low=1, high=20),
                   help="seconds between a running trial's heartbeats; a trial without one "
                   "for 3 heartbeats (its worker was killed) is marked failed and its "
                   f"parameters are tried again (default: {tuning.HEARTBEAT})")
    g.add_argument("--out", type=a.path,
                   help="save the best trial's model here (an ordinary nndl model: "
                   "evaluate, predict and info read it)")
    g.add_argument("--plot", type=a.path, metavar="DIR",
                   help="write Optuna's optimization history, "
                   "parameter importances and parallel-coordinate plots into this folder")
    g.add_argument("--report", action="store_true", help="only print the table of the "
                   "existing study --study (with --storage; no other option)")
    g.add_argument("--quiet", action="store_true", help="no line per trial")
    t.set_defaults(run=run, search_options=[x for x in t._actions if x.dest not in _REPORTING])
    return t


TRIALS = 20
"""--trials' default."""
_REPORTING = ("help", "study", "storage", "report", "quiet")
"""The options --report takes; every other one is for a search (:func:`_not_with_report`)."""


def _test_help(p: argparse.ArgumentParser) -> None:
    """--test's help, as a search uses it: the best trial's model is scored on it, once --out
    trains that model again (the trials are compared on the dev set)."""
    for action in p._actions:
        if action.dest == "test":
            action.help = ("a test data set: the best trial's model, trained again by --out "
                           "(which --test needs), is scored on it and the score printed and "
                           "saved with it; the trials are compared on the dev set (a table: "
                           "read as train reads --test)")


def _add_search_option(g: Any, action: argparse.Action) -> None:
    """``--lr`` etc. taking one or more values (checked later, as train checks them)."""
    dest = action.dest
    help_ = (action.help or "").split("; with --resume")[0]  # (train's resuming)
    if dest == "seed":
        g.add_argument(*action.option_strings, dest=dest, type=a.seed, help="seed of the "
                       "initialization and of the dev split, the same for every trial "
                       "(default: 1)")
        return
    kind = ("LO:HI range, " if dest in tuning.FLOAT_RANGE + tuning.INT_RANGE else "")
    g.add_argument(*action.option_strings, dest=dest, nargs="+", action="extend",
                   metavar="V", help=f"{kind}one value or several (the flag repeated adds to "
                   f"them); {help_}".replace("%", "%%"))


def space_of(args: argparse.Namespace) -> dict:
    """The search space the options give: one value fixed, several a choice, LO:HI a
    range (the text, read by :func:`nndl.tuning.parse_space`)."""
    space: dict = {}
    for key in tuning.FIXED_ONLY:
        v = getattr(args, key, None)
        if v is not None:
            space[key] = v
    for key in tuning.SEARCHABLE:
        v = getattr(args, key, None)
        if v is None:
            continue
        space[key] = v[0] if len(v) == 1 else list(v)
    return space


def run(args: argparse.Namespace) -> int:
    """Search, or with --report print the study's table."""
    if args.report:
        given = _not_with_report(args)
        if given:  # (they were ignored: no search, no model, no plots)
            raise NNDLError(f"--report only prints the study's table (--study, --storage); "
                            f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for a "
                            "run without --report (which resumes the study)")
        print(tuning.report(tuning.load_study(args.storage, args.study)))
        return 0
    if args.plot:
        from pathlib import Path

        if not Path(args.plot).is_dir():
            raise NNDLError(f"--plot {args.plot}: expected an existing folder")
    try:
        tuning.tune(space_of(args), study=args.study, trials=args.trials or TRIALS,
                    storage=args.storage, workers=args.workers or 1, metric=args.metric,
                    out=args.out, plot_dir=args.plot, prune=args.prune is not False,
                    heartbeat=args.heartbeat or tuning.HEARTBEAT,
                    verbose=1 if args.quiet else 2)
    except KeyboardInterrupt:
        print("nndl tune: interrupted; the finished trials stay in the study (the running ones "
              "are marked failed): the same command continues it", file=sys.stderr)
        return 130
    return 0


def _not_with_report(args: argparse.Namespace) -> list[str]:
    """The search options given (as typed: ``--no-header``, not ``--header``), which --report
    would ignore: every option but those of :data:`_REPORTING` (all default to None)."""
    given = []
    for action in args.search_options:
        v = getattr(args, action.dest, None)
        if v is None or (isinstance(action, argparse._StoreConstAction) and v != action.const):
            continue
        if action.option_strings[0] not in given:
            given.append(action.option_strings[0])
    return given
