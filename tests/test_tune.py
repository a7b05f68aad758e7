"""``nndl tune`` / ``nndl.tune``: the space, the errors, SQLite with two workers, resuming,
pruning, the best model, a real PostgreSQL server, and a worker killed mid-trial."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from nndl.errors import NNDLError

optuna = pytest.importorskip("optuna", reason="nndl tune needs Optuna: pip install 'nndl[tune]'"
                             ) if os.environ.get("CI") != "true" else __import__("optuna")

from nndl import tuning

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return env


def nndl(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nndl", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=120, **kw)


def main(capsys, *args: str) -> tuple[int, str, str]:
    """``nndl ARGS`` in this process (no interpreter to start): status, stdout, stderr."""
    from nndl.cli import main as nndl_main

    code = nndl_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nndl", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    """A small two-class table (240 rows, 6 features): quick to read and to train on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] > 0).astype(int)
    p = tmp_path_factory.mktemp("data") / "two.csv"
    rows = ["a,b,c,d,e,f,label"] + [",".join(f"{v:.5f}" for v in x) + f",{t}"
                                     for x, t in zip(X, y)]
    p.write_text("\n".join(rows) + "\n")
    return p


SPACE = ["--layers", "8", "16,8", "--lr", "1e-4:0.3", "--optimizer", "adam",
         "--batch-size", "32", "--epochs", "6"]


def _finished(url: str, name: str) -> list:
    study = optuna.load_study(study_name=name, storage=url)
    return study.get_trials(deepcopy=False)


def _states(trials: list) -> dict:
    out: dict = {}
    for t in trials:
        out[t.state.name] = out.get(t.state.name, 0) + 1
    return out


# --- the space ------------------------------------------------------------------------------
def test_the_space_reads_choices_ranges_and_fixed_values_as_train_reads_them():
    assert tuning.parse_space({"hidden": ["relu", "leaky_relu:0.1"]})["hidden"].values == (
        "relu", "leaky_relu:0.1")  # an activation's parameter, not a range
    dims = tuning.parse_space({"layers": ["32", "64,32", [16, 8], "none"], "hidden": "tanh",
                               "lr": "1e-4:1e-1", "lambd": (0.0, 1.0, "linear"),
                               "batch_size": "16:128:log", "epochs": [5, 10]})
    assert dims["layers"].values == ("32", "64,32", "16,8", "none")
    assert dims["hidden"].kind == "fixed"
    assert (dims["lr"].kind, dims["lr"].values, dims["lr"].scale) == ("range", (1e-4, 0.1),
                                                                      "log")
    assert dims["lambd"].scale == "linear"
    assert dims["batch_size"].integer and dims["batch_size"].scale == "log"
    assert dims["epochs"].values == (5, 10)


@pytest.mark.parametrize("space, words", [
    ({"hidden": []}, "empty choice"),
    ({"lr": "0.1:0.01"}, "LO must not exceed its HI"),
    ({"hidden": "relu:tanh"}, "a range LO:HI is for numbers"),
    ({"layers": ("8", "16")}, "a range LO:HI is for numbers"),
    ({"lambd": "0:1"}, "needs LO > 0"),
    ({"lr": "1:2:cubic"}, "LO:HI:log or LO:HI:linear"),
    ({"dev": [0.1, 0.2]}, "same for every trial"),
    ({"seed": (1, 5)}, "same for every trial"),
    ({"epochs": "0:5"}, "positive integer"),
    ({"learning_rate": 0.1}, "not a setting of nndl train"),
    ({"dev": "0.3"}, "--dev must be a finite number"),  # a TypeError deep in the split
    ({"standardize": "no"}, "--standardize must be true or false"),  # 'no' was true
])
def test_a_bad_space_is_refused_saying_what_was_expected(space, words):
    with pytest.raises(NNDLError, match=words):
        tuning.parse_space(space)


# --- the command line's errors: one line, exit 2 ----------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("extra, words", [
    (["--storage", "nosuchdb://x/y"], "unknown database scheme 'nosuchdb'"),
    (["--storage", "postgresql://nobody:secret@127.0.0.1:{port}/db"], "cannot use the database"),
    (["--storage", "postgresql://nobody:secret@127.0.0.1:54x2/db"], "is not a database URL"),
    (["--storage", "postgresql://nobody@127.0.0.1:{port}/db?password=secret"],
     "cannot use the database"),
    (["--storage", "postgresql://nobody:sec@ret@127.0.0.1:{port}/db"], "write it as %40"),
    (["--storage", "postgresql://nobody:secret@127.0.0.1:{port}?application_name=a@b"],
     "cannot use the database"),  # an @ after the host is no password's
    (["--storage", "sqlite://"], "an in-memory SQLite database cannot keep a study"),
    (["--lambd", "0.3:0.1"], "LO must not exceed its HI"),
    (["--lr", "0.3:0.5"], "--lr 1e-4:0.3 0.3:0.5: give either one range LO:HI or a choice"),
    (["--hidden", "relu:tanh"], "a range LO:HI is for numbers"),
    (["--hidden", "relu", "nosuch"], "--hidden 'nosuch': unknown activation"),
    (["--dev", "0"], "give --dev > 0"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, table, extra, words, capsys,
                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = [e.replace("{port}", str(_free_port())) for e in extra]
    code, _, err = main(capsys, "tune", "--data", str(table), "--study", "s", "--trials", "1",
                        *SPACE, *extra)
    assert code == 2, err
    assert err.count("\n") == 1 and words in err, err
    assert "secret" not in err and "ret@" not in err  # a password is not echoed, any part


def test_a_study_is_resumed_only_with_its_data_and_space(tmp_path, table, capsys,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["tune", "--study", "s", "--trials", "2"]
    code, _, err = main(capsys, *args, "--data", str(table), *SPACE)
    assert code == 0, err
    other = tmp_path / "other.csv"
    other.write_text(table.read_text().replace("0.", "1.", 1))
    code, _, err = main(capsys, *args, "--data", str(other), *SPACE)
    assert code == 2 and "was created with other data" in err, err
    code, _, err = main(capsys, *args, "--data", str(table), *SPACE[:-1], "7")
    assert code == 2 and "another search space (--epochs: 6 there, 7 here)" in err, err
    code, _, err = main(capsys, *args, "--data", str(table), *SPACE, "--lambd", "0.01")
    assert code == 2 and "(--lambd: 0.0 there, 0.01 here)" in err, err
    code, _, err = main(capsys, "tune", "--study", "nope", "--report")
    assert code == 2 and "no study 'nope'" in err
    # the default spelled out is the same space (was: "--keep-prob: null there, 1.0 here")
    code, _, err = main(capsys, *args[:-1], "3", "--data", str(table), *SPACE,
                        "--keep-prob", "1")
    assert code == 0, err
    code, _, err = main(capsys, *args[:-1], "4", "--data", str(table), *SPACE,
                        "--keep-prob", "0.9")
    assert code == 2 and "(--keep-prob: null there, 0.9 here)" in err, err



def test_a_default_spelled_out_resumes_the_study(tmp_path, table, capsys, monkeypatch):
    """--standardize given on a study made without it was "another search space (null there,
    true here)": settings are compared as they take effect on the data (standardize unless
    images, the header found, the task and label column read), not as they were spelled."""
    monkeypatch.chdir(tmp_path)
    args = ["tune", "--study", "d", "--trials", "1", "--data", str(table), *SPACE]
    assert main(capsys, *args)[0] == 0
    for same in (["--standardize"], ["--header"], ["--task", "classification"],
                 ["--label", "label"], ["--standardize", "--header", "--label", "label"]):
        code, _, err = main(capsys, *args, *same)
        assert code == 0, (same, err)
    code, _, err = main(capsys, *args, "--no-standardize")
    assert code == 2 and "(--standardize: not given there (found in the data: true), false " \
        "here)" in err, err
    code, _, err = main(capsys, *args, "--task", "regression")  # (other targets' values)
    assert code == 2 and "was created with other data" in err, err
    # and the other way round: a study made with them spelled out, resumed without
    args = ["tune", "--study", "e", "--trials", "1", "--data", str(table), *SPACE]
    assert main(capsys, *args, "--standardize", "--header", "--task", "classification")[0] == 0
    code, _, err = main(capsys, *args)
    assert code == 0, err
    # a study of an older nndl, which stored no 'decimal', is the same search
    from nndl.tuning.space import canonical

    here = {"space": {"standardize": True, "decimal": None, "keep_prob": None}, "metric": "r2"}
    old = {"space": {"standardize": None, "keep_prob": 1.0}, "metric": "r2"}
    assert canonical(old, {"standardize": True}) == canonical(here, {"standardize": True})


QUICK = ["--trials", "1", "--layers", "3", "--iterations", "5"]


def _write(path: Path, lines: list) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def _same_spellings(capsys, data: Path, study: str, *spellings: list) -> None:
    """A study made with the first spelling resumes with each of the others."""
    args = ["tune", "--data", str(data), "--study", study, *QUICK]
    code, _, err = main(capsys, *args, *spellings[0])
    assert code == 0, err
    for same in spellings[1:]:
        code, _, err = main(capsys, *args, *same)
        assert code == 0, (study, same, err)


def test_a_label_named_by_index_resumes_the_study(tmp_path, capsys, monkeypatch):
    """--label 2 or --label -1, naming the default (last) column or the one --label NAME
    names, was "another search space (--label: "label" there, "2" here)": the label column is
    compared as the column it picks (its header name, else its index from 0)."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    rows = [f"{a:.2f},{b:.2f},{int(a > b)}" for a, b in rng.uniform(0, 3, (40, 2))]
    named = _write(tmp_path / "named.csv", ["a,b,label", *rows])
    plain = _write(tmp_path / "plain.csv", rows)
    _same_spellings(capsys, named, "n1", [], ["--label", "2"], ["--label", "-1"],
                    ["--label", "label"])
    _same_spellings(capsys, named, "n2", ["--label", "-1"], [], ["--label", "label"],
                    ["--label", "2"])
    _same_spellings(capsys, plain, "p1", [], ["--label", "2"], ["--label", "-1"])
    _same_spellings(capsys, plain, "p2", ["--label", "-1"], ["--label", "2"], [])


def test_another_label_column_is_still_refused_and_said_as_given(tmp_path, capsys,
                                                                monkeypatch):
    """Another label column is refused (columns alike, so that the data's fingerprint is the
    same and the search is compared), and a study made without --label is said to be so, not
    to have had --label "label" (the column the data gave it)."""
    monkeypatch.chdir(tmp_path)
    rows = [f"{v},{v},{v}" for v in [0, 1] * 12]
    args = ["tune", "--data", str(_write(tmp_path / "alike.csv", ["a,b,label", *rows])),
            "--study", "s", *QUICK]
    assert main(capsys, *args)[0] == 0
    code, _, err = main(capsys, *args, "--label", "a")
    assert code == 2 and ('(--label: not given there (found in the data: "label"), '
                          '"a" here)') in err, err
    code, _, err = main(capsys, *args, "--label", "0")
    assert code == 2 and ('(--label: not given there (found in the data: "label"), "0" here '
                          '(found in the data: "a"))') in err, err
    args[args.index("s")] = "t"
    assert main(capsys, *args, "--label", "a")[0] == 0
    code, _, err = main(capsys, *args, "--label", "-1")
    assert code == 2 and '(--label: "a" there, "-1" here (found in the data: "label"))' \
        in err, err


def test_a_label_column_is_compared_as_the_column_it_picks():
    """:class:`~nndl.tuning.space.LabelColumn` reads a label as the loader does: a number
    within the columns is an index (from the end when negative), beyond them a column's name
    (2022), anything else a name; every spelling of a column is written as its header name
    (its index without a header), a label that names no column as it is."""
    from nndl.tuning.space import LabelColumn

    col = LabelColumn(3, 4, ("a", "b", "c", "2022"))
    assert [col.of(v) for v in (None, 3, -1, "3", "-1", "2022", 2022)] == ["2022"] * 7
    assert [col.of(v) for v in (0, "0", "a", -4)] == ["a"] * 4  # another column, one way
    assert [col.of(v) for v in (-2, "x", "+3", 7)] == ["c", "x", "+3", 7]
    assert [LabelColumn(3, 4).of(v) for v in (None, -1, 3, 1, "x")] == [3, 3, 3, 1, "x"]
    assert LabelColumn(0, 4, ("1", "b", "c", "d")).of("1") == "b"  # the index 1, not '1'


def test_a_decimal_mark_said_as_detected_resumes_the_study(tmp_path, capsys, monkeypatch):
    """--decimal , on a file whose decimal comma is detected anyway was "another search space
    (--decimal: null there, "," here)", and on a file of whole numbers too (one way only): the
    mark is compared through the numbers it reads (the data's fingerprint); a mark that reads
    other data is still refused."""
    monkeypatch.chdir(tmp_path)
    from nndl import datasets

    rng = np.random.default_rng(2)
    rows = [f"{a:.2f};{b:.2f};{int(a > b)}".replace(".", ",")
            for a, b in rng.uniform(0, 3, (40, 2))]
    comma = _write(tmp_path / "comma.csv", ["a;b;label", *rows])
    assert datasets.load_csv(comma).decimal == ","
    assert datasets.load_csv(_write(tmp_path / "p.csv", ["1.5,0", "2.5,1"])).decimal == "."
    assert datasets.load_spec("moons")[0].decimal is None
    _same_spellings(capsys, comma, "c1", [], ["--decimal", ","])
    _same_spellings(capsys, comma, "c2", ["--decimal", ","], [])
    whole = _write(tmp_path / "whole.csv", ["a;b;label", *(f"{i % 3};{i % 5};{i % 2}"
                                                           for i in range(30))])
    assert datasets.load_csv(whole, decimal=",").decimal == ","
    assert datasets.load_csv(whole).decimal == "."
    _same_spellings(capsys, whole, "w1", ["--decimal", ","], [], ["--decimal", "."])
    _same_spellings(capsys, whole, "w2", [], ["--decimal", ","])
    from nndl.tuning.space import canonical  # a study stored by an nndl that compared it
    assert canonical({"space": {"decimal": ",", "lr": 0.1}, "metric": "accuracy"}) == \
        {"space": {"lr": 0.1}, "metric": "accuracy"}
    # labels 1,5 and 2,5: targets 1.5 and 2.5 with a decimal comma, two classes with a point
    labels = _write(tmp_path / "labels.csv", ["a;b;y", *(f"{i % 3};{i % 2};{1 + i % 2},5"
                                                          for i in range(30))])
    args = ["tune", "--data", str(labels), "--study", "c3", *QUICK]
    assert main(capsys, *args)[0] == 0
    code, _, err = main(capsys, *args, "--decimal", ".")
    assert code == 2 and "was created with other data" in err, err
    code, _, err = main(capsys, "tune", "--data", str(comma), "--study", "c1", *QUICK,
                        "--decimal", ".")
    assert code == 2 and "the decimal mark said is '.'" in err, err


def test_the_storage_url_is_parsed_once(tmp_path, monkeypatch):
    """open_storage parsed the URL twice (its backend, then its database) and load_study a
    third time (its SQLite file): one parse, :func:`nndl.tuning.storage.parse_storage`."""
    import sqlalchemy.engine

    url = f"sqlite:///{tmp_path / 's.db'}"
    optuna.create_study(study_name="p", storage=url)
    calls = []
    real = sqlalchemy.engine.make_url
    monkeypatch.setattr(sqlalchemy.engine, "make_url", lambda u: calls.append(u) or real(u))
    tuning.open_storage(url)
    assert len(calls) == 1, calls
    calls.clear()
    assert tuning.load_study(url, "p").study_name == "p"
    assert len(calls) == 1, calls


# --- SQLite: two workers, resume, pruning, the best model -----------------------------------
def test_two_workers_resume_and_the_best_model_evaluates(tmp_path, table, capsys,
                                                          monkeypatch):
    url = f"sqlite:///{tmp_path / 'st.db'}"
    common = ["tune", "--data", str(table), "--study", "two", "--storage", url, *SPACE]
    r = nndl(*common, "--trials", "6", "--workers", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    trials = _finished(url, "two")
    assert _states(trials).get("RUNNING", 0) == 0
    assert sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials) == 6
    assert r.stdout.count("\ntrial ") + r.stdout.startswith("trial ") == 6
    assert len({t.user_attrs["worker"] for t in trials if "worker" in t.user_attrs}) <= 2
    # resume: 4 more, and the table; then the same command only reports
    monkeypatch.chdir(tmp_path)
    code, out, err = main(capsys, *common, "--trials", "10", "--out", "best.npz")
    assert code == 0, err
    trials = _finished(url, "two")
    assert sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials) == 10
    assert out.count("\ntrial ") + out.startswith("trial ") == 4
    assert "best trials:" in out and "saved     best.npz" in out
    code, out, err = main(capsys, *common, "--trials", "10")
    assert code == 0 and out.startswith("study two: 10 finished trials"), err
    assert len(_finished(url, "two")) == len(trials)
    # the best model is an ordinary model file: info and evaluate read it, and its dev
    # accuracy is the best trial's
    study = optuna.load_study(study_name="two", storage=url)
    from nndl import io

    _, meta = io.read(tmp_path / "best.npz")
    assert meta["info"]["tune"]["trial"] == study.best_trial.number
    assert meta["info"]["summary"]["dev"]["accuracy"] == pytest.approx(study.best_value)
    assert main(capsys, "info", "best.npz")[0] == 0
    code, out, err = main(capsys, "evaluate", "--model", "best.npz", "--data", str(table))
    assert code == 0 and "accuracy" in out, err
    code, out, _ = main(capsys, "tune", "--study", "two", "--storage", url, "--report")
    assert code == 0 and "10 finished trials" in out


def test_trials_that_fall_behind_are_pruned_and_plots_are_written(tmp_path, table):
    space = {"layers": "8", "lr": [1e-5, 0.05, 0.08], "optimizer": "adam", "batch_size": 32,
             "epochs": 8}
    kw = dict(data=str(table), study="p", storage=f"sqlite:///{tmp_path / 'p.db'}",
              sampler_seed=3, verbose=0)
    study = tuning.tune(space, trials=1, **kw)
    for _ in range(5):  # queued trials run first: five that learn make the median
        study.enqueue_trial({"lr": 0.05})
    study = tuning.tune(space, trials=6, **kw)
    assert [t.params["lr"] for t in study.trials[1:]] == [0.05] * 5
    # a trial queued with a learning rate too small to learn in 8 epochs: it falls behind
    study.enqueue_trial({"lr": 1e-5})
    study = tuning.tune(space, trials=7, plot_dir=tmp_path, **kw)
    trials = study.get_trials(deepcopy=False)
    assert sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials) == 7
    last = trials[-1]
    assert last.state.name == "PRUNED" and last.params["lr"] == 1e-5
    assert len(last.user_attrs["run"]["curve"]) < 8  # stopped early
    run = last.user_attrs["run"]  # "after N epochs", N the curve's length (was N - 1)
    assert run["note"] == f"pruned after {len(run['curve'])} epochs"
    for name in tuning.PLOTS:
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_full_batch_training_feeds_the_pruner_every_iterations_over_20(tmp_path, table):
    study = tuning.tune({"layers": "8", "lr": [0.05, 0.1], "iterations": 60},
                        data=str(table), study="f", trials=2,
                        storage=f"sqlite:///{tmp_path / 'f.db'}", sampler_seed=0, verbose=0)
    for t in study.trials:
        steps = sorted(int(k) for k in t.user_attrs["run"]["curve"])
        assert steps == list(range(2, 60, 3))  # every 60 // 20 = 3 iterations


# --- PostgreSQL, for real -------------------------------------------------------------------
def _pg_bin() -> "Path | None":
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL server on 127.0.0.1 at a free port, in a temporary folder, run
    as a user that is not root (initdb refuses root); stopped at the end."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL (initdb, pg_ctl) is missing: .ci/run installs it")
        pytest.skip("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="nndl-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam("nobody")
        os.chown(root, user.pw_uid, user.pw_gid)
        runuser = shutil.which("runuser")
        prefix = [runuser, "-u", "nobody", "--"] if runuser else ["su", "nobody", "-s",
                                                                  "/bin/sh", "-c"]
    os.chmod(root, 0o700)

    def as_user(*cmd: str) -> None:
        full = (prefix + [" ".join(cmd)]) if prefix[:1] == ["su"] else prefix + list(cmd)
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    port = _free_port()
    data = root / "data"
    as_user(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync")
    as_user(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        as_user(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_two_processes_share_one_study_through_postgresql(tmp_path, table, postgres):
    args = ["tune", "--data", str(table), "--study", "pg", "--storage", postgres,
            "--trials", "8", *SPACE]
    procs = [start(*args, cwd=tmp_path) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "8 finished trials" in out
    trials = _finished(postgres, "pg")
    assert sum(t.state.name in ("COMPLETE", "PRUNED") for t in trials) == 8
    assert _states(trials).get("RUNNING", 0) == 0
    assert optuna.load_study(study_name="pg", storage=postgres).user_attrs["nndl_data"]


# --- kill safety ----------------------------------------------------------------------------
def test_a_worker_killed_mid_trial_loses_and_duplicates_nothing(tmp_path, table):
    """SIGKILL one of two workers mid-trial: its trial is marked failed after the grace
    period (3 heartbeats of 1 s), its parameters run again, and the study ends with exactly
    N finished trials, none RUNNING; a rerun only reports. (Trials of ~1 s, killed in their
    first 0.3 s: a kill that comes as the trial ends would find it complete, a CI run once did
    with trials of ~0.1 s. And killed once its learning rate, the one setting searched, is
    stored: a trial killed before it has no parameters to run again, and its retry samples
    new ones, as it should; a run of the suite once killed one there.)"""
    import datetime

    url = f"sqlite:///{tmp_path / 'k.db'}"
    n = 6
    args = ["tune", "--data", str(table), "--study", "k", "--storage", url, "--trials", str(n),
            "--heartbeat", "1", "--no-pruning", "--layers", "16,8", "--lr", "1e-3:1e-2",
            "--optimizer", "adam", "--batch-size", "8", "--epochs", "300"]
    a, b = start(*args, cwd=tmp_path), start(*args, cwd=tmp_path)
    killed = None
    deadline = time.monotonic() + 90
    while killed is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            young = datetime.datetime.now() - datetime.timedelta(seconds=0.3)
            running = [t for t in _finished(url, "k") if t.state.name == "RUNNING"
                       and t.user_attrs.get("worker", "").endswith(f":{a.pid}")
                       and t.datetime_start is not None and t.datetime_start > young
                       and "lr" in t.params]
        except Exception:  # noqa: BLE001 - the study is not created yet
            continue
        if running:
            a.send_signal(signal.SIGKILL)
            killed = running[0]
    assert killed is not None, "worker a never ran a trial"
    a.wait(timeout=30)
    _, err = b.communicate(timeout=120)
    assert b.returncode == 0, err
    r = nndl(*args, cwd=tmp_path)  # the rerun: nothing left to do
    assert r.returncode == 0, r.stderr
    trials = _finished(url, "k")
    states = _states(trials)
    assert states.get("COMPLETE", 0) + states.get("PRUNED", 0) == n, states
    assert states.get("RUNNING", 0) == 0 and states.get("WAITING", 0) == 0, states
    lost = next(t for t in trials if t.number == killed.number)
    assert lost.state.name == "FAIL"
    retried = [t for t in trials if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retried) == 1 and retried[0].state.name == "COMPLETE"
    assert retried[0].params == lost.params == killed.params and killed.params


@pytest.mark.parametrize("epochs", ["20", "1"])  # 1: the trials are mostly database writes
def test_ctrl_c_stops_cleanly_keeping_the_finished_trials(tmp_path, table, epochs):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    args = ["tune", "--data", str(table), "--study", "c", "--storage", url, "--trials", "500",
            "--no-pruning", "--layers", "16,8", "--lr", "1e-3:1e-2", "--optimizer", "adam",
            "--batch-size", "8", "--epochs", epochs]
    p = start(*args, cwd=tmp_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            if sum(t.state.name == "COMPLETE" for t in _finished(url, "c")) >= 2:
                break
        except Exception:  # noqa: BLE001 - the study is not created yet
            continue
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert err.strip().count("\n") == 0 and "interrupted" in err
    states = _states(_finished(url, "c"))
    assert states.get("COMPLETE", 0) >= 2 and states.get("RUNNING", 0) == 0, states


def test_the_sklearn_estimators_work_in_optuna_and_sklearn_search_cvs():
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna_integration import OptunaSearchCV
    from scipy.stats import loguniform
    from sklearn.datasets import load_iris
    from sklearn.model_selection import RandomizedSearchCV

    from nndl.sklearn import NNClassifier

    X, y = load_iris(return_X_y=True)
    space = {"learning_rate": FloatDistribution(1e-3, 1e-1, log=True),
             "hidden_layer_sizes": CategoricalDistribution([8, 16])}
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")  # Optuna's 'experimental' notes
        o = OptunaSearchCV(NNClassifier(max_iter=30, random_state=0), space, n_trials=4, cv=3,
                           random_state=0, verbose=0).fit(X, y)
    assert len(o.trials_) == 4 and o.best_params_["hidden_layer_sizes"] in (8, 16)
    assert o.predict(X).shape == (150,)
    r = RandomizedSearchCV(NNClassifier(max_iter=30, random_state=0),
                           {"learning_rate": loguniform(1e-3, 1e-1)}, n_iter=3, cv=3,
                           random_state=0).fit(X, y)
    assert 0 <= r.best_score_ <= 1 and r.predict(X).shape == (150,)


def test_the_config_travels_to_worker_processes_as_json():
    cfg = tuning.Config({"lr": (1e-3, 1e-1), "layers": ["8", "16"]}, "s", 3)
    back = tuning.Config.from_json(cfg.to_json())
    assert back == cfg and json.loads(cfg.to_json())["study"] == "s"


def test_worker_processes_share_the_cores_blas_threads():
    """K workers get cores // K BLAS threads each (at least 1); a count the user set stays."""
    from nndl.tuning.workers import THREAD_VARIABLES, worker_env

    env = worker_env(2, environ={"PATH": "/bin"}, cpus=8)
    assert [env[v] for v in THREAD_VARIABLES] == ["4", "4", "4"] and env["PATH"] == "/bin"
    assert worker_env(3, environ={}, cpus=2)["OPENBLAS_NUM_THREADS"] == "1"
    kept = worker_env(2, environ={"OPENBLAS_NUM_THREADS": "7"}, cpus=8)
    assert kept["OPENBLAS_NUM_THREADS"] == "7" and kept["OMP_NUM_THREADS"] == "4"


def test_a_trial_whose_cost_rose_tenfold_is_pruned_as_diverged(tmp_path, table, monkeypatch):
    """A fit that ends with a DivergenceWarning (its cost rose RISE times: finite, but
    diverged) is not ranked as a finished trial (it could become the 'best' model)."""
    from nndl import training

    monkeypatch.setattr(training, "RISE", 0.0)  # any finite last cost counts as a rise
    space = {"layers": "4", "lr": 0.01, "batch_size": 32, "epochs": 2}
    study = tuning.tune(space, trials=1, data=str(table), study="d",
                        storage=f"sqlite:///{tmp_path / 'd.db'}", sampler_seed=0, verbose=0)
    (trial,) = study.get_trials(deepcopy=False)
    assert trial.state.name == "PRUNED"
    assert trial.user_attrs["run"]["note"].startswith("diverged: the cost rose")


def test_a_database_lost_during_the_search_is_one_line(monkeypatch, tmp_path, table):
    """A PostgreSQL server stopped mid-search surfaced as ~300 lines ending in Optuna's
    UnboundLocalError, raised while it handled the driver's error (found by an audit)."""
    import sqlalchemy.exc

    from nndl.tuning import workers

    def lost(*args, **kwargs):
        try:
            raise sqlalchemy.exc.OperationalError("COMMIT", {}, Exception(
                "connection to server at 127.0.0.1 failed: Connection refused"))
        except sqlalchemy.exc.OperationalError:
            raise UnboundLocalError("cannot access local variable 'updated_state'")

    monkeypatch.setattr(workers, "_loop", lost)
    monkeypatch.chdir(tmp_path)
    cfg = workers.Config(space={"data": str(table), "layers": ["8"], "lr": (1e-3, 0.1),
                                "batch_size": 32, "epochs": 2},
                         study="s", trials=2, storage=f"sqlite:///{tmp_path / 'lost.db'}")
    with pytest.raises(NNDLError, match="lost the database during the search "
                                        r"\(OperationalError: .*Connection refused.*resumes"):
        workers.work(cfg)


def test_out_and_report_are_checked_before_any_trial(tmp_path, table, capsys, monkeypatch):
    """tune --out data.csv replaced the data with a model, --out naming the study's database
    destroyed every trial, a folder failed after the whole search, --report ignored --out
    and --plot, and --report on a mistyped database created it."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(table, tmp_path / "d.csv")
    before = (tmp_path / "d.csv").read_bytes()
    (tmp_path / "models").mkdir()
    run = ("tune", "--data", "d.csv", "--study", "s", "--trials", "1", "--storage",
           "sqlite:///t.db", *SPACE)
    for out, words in (("d.csv", "is the data file"), ("t.db", "is the study's database"),
                       ("models", "is a folder")):
        code, _, err = main(capsys, *run, "--out", out)
        assert code == 2 and words in err and err.count("\n") == 1, err
    assert (tmp_path / "d.csv").read_bytes() == before and not (tmp_path / "t.db").exists()
    code, _, err = main(capsys, *run)
    assert code == 0, err
    code, _, err = main(capsys, "tune", "--study", "s", "--storage", "sqlite:///t.db",
                        "--report", "--out", "m.npz")
    assert code == 2 and "--report only prints the study's table" in err, err
    code, _, err = main(capsys, "tune", "--study", "s", "--storage", "sqlite:///typo.db",
                        "--report")
    assert code == 2 and "no study database" in err and not (tmp_path / "typo.db").exists()


def test_header_and_seed_are_read_as_train_reads_them(tmp_path, capsys, monkeypatch):
    """--no-header was dropped from the fixed settings (tune trained on 60 of 61 rows, the
    first taken for a header); --seed took any integer (a traceback with --rng legacy)."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(1)
    X = rng.integers(0, 9, size=(60, 3))
    rows = [[0, 1, 2, 3]] + [[*x, int(x[0] > 4)] for x in X]  # the first row is data
    (tmp_path / "h.csv").write_text("".join(",".join(map(str, r)) + "\n" for r in rows))
    code, _, err = main(capsys, "tune", "--data", "h.csv", "--no-header", "--study", "h",
                        "--trials", "1", "--storage", "sqlite:///h.db", "--layers", "4",
                        "--iterations", "5", "--task", "regression", "--out", "m.npz")
    assert code == 0 and "taken as a header" not in err, err
    from nndl.io import read

    assert read(tmp_path / "m.npz")[1]["info"]["train_args"]["header"] is False
    with pytest.raises(SystemExit) as e:  # argparse's usage error, as train's
        main(capsys, "tune", "--data", "h.csv", "--study", "g", "--trials", "1",
             "--storage", "sqlite:///h.db", "--seed", str(2 ** 32))
    assert e.value.code == 2 and "--seed: expected a seed" in capsys.readouterr().err


def test_a_diverging_regression_trial_is_said_to_diverge_and_its_metric_stays_short():
    """With the pruner on, a regression whose outputs overflow when unscaled was 'cannot
    train: X must be finite' (the input blamed), and its rmse 150 digits wide."""
    import nndl
    from nndl.preprocessing import Standardizer
    from nndl.tuning.objective import dev_metric
    from nndl.tuning.report import _shown

    net = nndl.Network([2, 1], output="linear", seed=0)
    net.target_scaling = Standardizer(mean=[0.0], std=[1e300])
    net.params["W1"][...] = 1e300
    X, Y = np.ones((2, 5)), np.zeros((1, 5))
    assert np.isnan(dev_metric(net, (X, Y), "rmse"))
    assert _shown(6.35e151) == "6.35e+151" and _shown(0.12345) == "0.1235"


def test_a_digits_study_of_the_old_scale_is_said_why_it_cannot_go_on():
    """A study made on the built-in digits before 2026-12-07 (grey levels 0..16) was refused
    as 'created with other data (digits, ...; here digits, ...)': which other data? The
    reason is said (the compatibility audit)."""
    from types import SimpleNamespace

    from nndl.tuning.storage import _check_same

    study = SimpleNamespace(study_name="s")
    with pytest.raises(NNDLError, match=r"here digits, .*pixels in \[0, 1\] since 2026-12-07"):
        _check_same(study, {"name": "digits", "fingerprint": "e1d74563cbec"}, "data",
                    {"name": "digits", "fingerprint": "38074f1b02a7"})
    with pytest.raises(NNDLError) as other:
        _check_same(study, {"name": "iris", "fingerprint": "aa"}, "data",
                    {"name": "iris", "fingerprint": "bb"})
    assert "pixels" not in str(other.value)


# --- the command line's options (r_options C6, C7, C8) ---------------------------------------
def test_a_repeated_search_flag_adds_to_the_choice(tmp_path, table):
    """--lr 0.1 --lr 0.2 kept 0.2 alone, in silence; a range still reads as one."""
    url = f"sqlite:///{tmp_path}/t.db"
    r = nndl("tune", "--quiet", "--data", str(table), "--study", "rep", "--storage", url,
             "--trials", "1", "--iterations", "5", "--lr", "0.1", "--lr", "0.2", "--layers",
             "4", "--layers", "8,4", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    space = optuna.load_study(study_name="rep", storage=url).user_attrs["nndl_search"]["space"]
    assert space["lr"] == {"choice": [0.1, 0.2]}
    assert space["layers"] == {"choice": ["4", "8,4"]}
    r = nndl("tune", "--quiet", "--data", str(table), "--study", "range", "--storage", url,
             "--trials", "1", "--iterations", "5", "--lr", "1e-3:1e-1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    space = optuna.load_study(study_name="range", storage=url).user_attrs["nndl_search"]
    assert space["space"]["lr"] == {"range": [1e-3, 1e-1, "log"]}


def test_test_data_is_scored_on_the_saved_model_or_refused_without_out(tmp_path, table):
    """--test was read and checked but never reported."""
    url = f"sqlite:///{tmp_path}/t.db"
    run = ("tune", "--data", str(table), "--study", "t", "--storage", url, "--trials", "1",
           "--iterations", "5", "--test", str(table))
    r = nndl(*run, cwd=tmp_path)
    assert r.returncode == 2 and "--test (test=) scores the best trial's model" in r.stderr
    assert "give --out too" in r.stderr and not (tmp_path / "t.db").exists()
    r = nndl(*run, "--out", "best.npz", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("test"))
    assert line.startswith("test      accuracy ") and "--test" in line
    assert "--out" in " ".join(nndl("tune", "--help", cwd=tmp_path).stdout.split())


def test_report_refuses_the_options_of_a_search(tmp_path, table):
    """--report --trials 99 --lr 5 --data nosuch.csv printed the table, exit 0."""
    url = f"sqlite:///{tmp_path}/t.db"
    r = nndl("tune", "--quiet", "--data", str(table), "--study", "s", "--storage", url,
             "--trials", "1", "--iterations", "5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = nndl("tune", "--study", "s", "--storage", url, "--report", "--trials", "99", "--lr",
             "5", "--data", "nosuch.csv", "--no-pruning", "--no-header", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    for flag in ("--data", "--lr", "--trials", "--no-pruning", "--no-header"):
        assert flag in r.stderr, r.stderr
    r = nndl("tune", "--study", "s", "--storage", url, "--report", "--quiet", cwd=tmp_path)
    assert r.returncode == 0 and "study s: 1 finished trials" in r.stdout, r.stderr
