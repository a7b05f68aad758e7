"""What ``nndl train`` says when SIGINT / SIGTERM stops it, and the command that continues it.

A signal lets the current epoch finish (with ``--batch-size`` that can take a while: it is said
at once, :func:`announce`), then writes a checkpoint and prints how to continue
(:func:`stopped_by_signal`); a second Ctrl-C quits at once, saying that no checkpoint was
written (:func:`interrupted`).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from typing import Any

from ..network import Network
from .resumed import needs_out


_pressed_before = False
"""Whether Ctrl-C was pressed before training took SIGINT over (:func:`note_press`)."""


def note_press(pressed: bool = True) -> None:
    """Note a Ctrl-C pressed while the command starts (nndl.cli.app's watcher; False: none
    yet, at the start of a command)."""
    global _pressed_before
    _pressed_before = pressed


def stop_if_pressed() -> None:
    """KeyboardInterrupt when a Ctrl-C came before training and its KeyboardInterrupt was
    lost: raised inside a callback of Python's import machinery, it is printed as
    "Exception ignored" and the program goes on, and a run of 1 000 000 iterations trained
    on after the press."""
    if _pressed_before:
        raise KeyboardInterrupt


def _name(signum: "int | None") -> str:
    """'SIGINT', 'SIGTERM' (a number otherwise)."""
    try:
        return signal.Signals(signum).name  # type: ignore[arg-type]
    except ValueError:
        return str(signum)


def resume_command(args: argparse.Namespace, ckpt_path: Any) -> str:
    """The command that continues this run from ``ckpt_path``, with this run's own options
    that a checkpoint does not keep (they are not training settings, and may change from run
    to run): without them the resumed run wrote no more periodic checkpoints and its cost
    log stopped."""
    words = ["nndl", "train", "--resume", str(ckpt_path)]
    if args.out and needs_out(ckpt_path, args.out):  # (else the file's own out is taken)
        words += ["--out", str(args.out)]
    if args.checkpoint_every:
        words += ["--checkpoint-every", str(args.checkpoint_every)]
    for option in ("log", "plot"):
        if getattr(args, option, None):
            words += [f"--{option}", str(getattr(args, option))]
    if args.quiet:
        words.append("--quiet")
    return shlex.join(words)


def announce(net: Network, target: int, signum: "int | None") -> None:
    """At the first iteration after a signal, with mini-batches: the epoch finishes first."""
    lead = "\n" if sys.stderr.isatty() else ""  # below a progress bar's line, if any
    print(f"{lead}nndl: {_name(signum)}: finishing epoch {net.epochs_done + 1} of {target}, then "
          "writing a checkpoint (Ctrl-C again to quit without one)", file=sys.stderr,
          flush=True)


def stopped_by_signal(net: Network, job: Any, args: argparse.Namespace) -> int:
    """Write the checkpoint of ``job`` (nndl.cli.train's) and say how to continue; the exit
    status 128 + the signal number."""
    job.ckpt.write(net)
    signum = int(job.ckpt.signal)
    now = net.epochs_done if job.mini else net.iterations_done
    print(f"nndl: {_name(signum)} at {job.unit} {now} of {job.target}: checkpoint written to "
          f"{job.ckpt_path}; continue with: {resume_command(args, job.ckpt_path)}",
          file=sys.stderr)
    return 128 + signum


def interrupted(job: Any) -> None:
    """A second Ctrl-C while the epoch finished: training quits without a checkpoint."""
    state = job.ckpt.last_state if job.ckpt.written else None
    if state is not None:
        done = state.get("epochs_done" if job.mini else "iterations_done")
        kept = f"; the last one, at {job.unit} {done}, is {job.ckpt_path}"
    else:
        kept = ""
    print(f"nndl: interrupted again: no checkpoint was written{kept}", file=sys.stderr)
