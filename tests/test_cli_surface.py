"""The command line's surface, run as a user would (``python -m nndl`` in a subprocess): huge
numbers, names in any case, "did you mean", Ctrl-C while starting (issue 10 B, issue 9)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

import nndl

from .test_cli import env, fails, nndl_cmd, ok, run

HUGE = str(2**64)


@pytest.mark.parametrize("option", ["--iterations", "--epochs", "--batch-size",
                                    "--checkpoint-every", "--patience"])
def test_integer_options_beyond_int64_are_usage_errors(option, tmp_path):
    line = fails("train", option, HUGE, "--out", tmp_path / "m.npz",
                 words=[option, "expected a positive integer", HUGE])
    assert line.startswith("nndl train: error: argument")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("size", ["99999999999999999999999", "100000", "100000,100000"])
def test_a_huge_image_size_is_refused_before_allocating(size, tmp_path):
    from PIL import Image

    for c in "ab":
        (tmp_path / c).mkdir()
        for i in range(2):
            Image.new("RGB", (4, 4), (i * 50, 0, 0)).save(tmp_path / c / f"{i}.png")
    fails("train", "--data", tmp_path, "--image-size", size, "--out", tmp_path / "m.npz",
          words=["image"])


def test_names_are_case_insensitive_as_hidden_is(tmp_path):
    out = ok("train", "--data", "Iris", "--optimizer", "Adam", "--hidden", "Relu", "--init",
             "He", "--dtype", "Float64", "--batch-size", "32", "--epochs", "1", "--out",
             tmp_path / "m.npz")
    assert "saved" in out
    info = ok("info", tmp_path / "m.npz")
    assert "adam" in info.lower() and "iris" in info


def test_an_unknown_data_name_suggests_the_closest(tmp_path):
    fails("train", "--data", "digit", "--out", tmp_path / "m.npz",
          words=["data not found", "did you mean 'digits'?"], cwd=tmp_path)


@pytest.mark.parametrize("given,meant", [("--learning-rate", "--lr"), ("--itrations", "--iterations"),
                                         ("--batch_size", "--batch-size")])
def test_an_unknown_option_suggests_the_closest(given, meant, tmp_path):
    line = fails("train", given, "3", "--out", tmp_path / "m.npz", words=[given])
    assert line.startswith("nndl train: error: unrecognized arguments")
    assert f"did you mean {meant}?" in line


def test_no_suggestion_when_nothing_is_close():
    line = fails("evaluate", "--model", "m.npz", "--data", "d.csv", "--zzz")
    assert "did you mean" not in line


def test_help_states_every_exit_status():
    text = " ".join(ok("--help").split())
    for words in ("0 success", "1 when gradcheck finds a difference", "2 bad usage", "130"):
        assert words in text


def test_a_switch_that_turns_something_off_shows_no_default_true():
    text = " ".join(ok("export", "--help").split())  # "--no-check ... (default: True)" read as
    assert "random inputs (default: True)" not in text  # "no check by default"
    assert "comparing the export with nndl on random inputs" in text


# --- Ctrl-C while starting ------------------------------------------------------------------
INTERRUPT_IMPORT = textwrap.dedent("""
    import builtins, runpy, sys
    real = builtins.__import__
    def interrupted(name, *args, **kwargs):
        if name == {module!r} or name.startswith({module!r} + "."):
            {interrupt}
        return real(name, *args, **kwargs)
    builtins.__import__ = interrupted
    sys.argv = ["nndl", "train"]
    {start}
""")


@pytest.mark.parametrize("module", ["numpy", "argparse", "app"])  # app: nndl.cli's import
@pytest.mark.parametrize("start", [
    'runpy.run_module("nndl", run_name="__main__")',       # python -m nndl
    "from nndl.__main__ import run; run()",                 # the nndl script
], ids=["python-m", "script"])
@pytest.mark.parametrize("interrupt", [
    "raise KeyboardInterrupt",
    'exec("raise KeyboardInterrupt")',  # as SciPy's imports run code: CPython then dies by SIGINT
], ids=["raise", "exec"])
def test_ctrl_c_while_importing_exits_130_quietly(module, start, interrupt, tmp_path):
    """A Ctrl-C is a KeyboardInterrupt wherever the start is: raised here at the first import
    of ``module`` (whichever of nndl's modules imports it first)."""
    code = INTERRUPT_IMPORT.format(module=module, start=start, interrupt=interrupt)
    r = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert r.returncode == 130, r.stderr
    assert r.stderr == "" and r.stdout == ""


def test_ctrl_c_after_the_start_exits_130_too(tmp_path):
    """Interrupted in an exec() of a library while loading data: 130, one line, no traceback."""
    code = INTERRUPT_IMPORT.format(module="sklearn", start='runpy.run_module("nndl", '
                                   'run_name="__main__")', interrupt='exec("raise KeyboardInterrupt")')
    r = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True,
                       timeout=60, cwd=tmp_path)
    assert r.returncode == 130, r.stderr
    assert r.stderr.strip() == "nndl train: interrupted"


@pytest.mark.parametrize("delay", [0.3, 0.6])
def test_sigint_soon_after_the_start_exits_130_without_a_traceback(delay, tmp_path):
    """Whenever Ctrl-C comes (while starting, loading or training), exit 130. The child gets
    SIGINT's default disposition: a test run in the background has it ignored, and Python then
    keeps ignoring it until training installs its handler."""
    p = subprocess.Popen(nndl_cmd("train", "--iterations", "1000000", "--out", tmp_path / "m.npz"),
                         cwd=tmp_path, env={**env(), "PYTHONFAULTHANDLER": "1"},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # say where it was: the stacks of its threads
        p.send_signal(signal.SIGABRT)
        out, err = p.communicate()
        pytest.fail(f"still running 60 s after SIGINT; its threads:\n{err[-6000:]}")
    assert p.returncode == 130, err
    assert "Traceback" not in err


def test_python_m_nndl_and_the_cli_import_nothing_heavy():
    """``import nndl.cli`` loads no NumPy: the start before a command runs is short."""
    code = "import sys, nndl, nndl.cli; print('numpy' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True,
                       timeout=60)
    assert r.stdout.strip() == "False", r.stderr


def test_run_reports_what_it_ran():
    assert run("--version").stdout.startswith("nndl ")


def test_ctrl_c_turned_into_another_error_by_a_library_still_exits_130(monkeypatch, capsys):
    """A library that catches the interrupt while it loads (scikit-learn's import, in a rare
    race) and raises something else: the command still says 'interrupted' and exits 130
    (it said 'the built-in data sets come with scikit-learn', exit 2)."""
    import os
    import signal

    from nndl.cli import app

    def run(args):  # Ctrl-C arrives while a library loads, which reports an ImportError
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**7):  # Python runs the handler between bytecodes
                pass
        except KeyboardInterrupt:
            raise ImportError("cannot import name 'datasets' (partially initialized)") from None
        return 0

    parser = app.build_parser()
    parser._subparsers._group_actions[0].choices["info"].set_defaults(run=run)
    monkeypatch.setattr(app, "build_parser", lambda: parser)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in `nndl ...`
    try:
        assert app.main(["info", "x.npz"]) == 130
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert capsys.readouterr().err.strip() == "nndl info: interrupted"


def test_output_chooses_softmax_for_two_classes_and_refuses_what_does_not_fit(tmp_path):
    """--output was refused for every value but the task's own, with messages that
    contradicted the data ("a softmax output needs at least 2 units" on 2 classes)."""

    ok("train", "--data", "moons", "--output", "softmax", "--layers", "8", "--iterations",
       "200", "--lr", "0.5", "--quiet", "--out", tmp_path / "sm.npz")
    net = nndl.load(tmp_path / "sm.npz")
    assert net.layer_dims[-1] == 2 and net.output == "softmax"
    out = ok("evaluate", "--model", tmp_path / "sm.npz", "--data", "moons")
    assert float(out.split("accuracy")[1].split()[0]) > 0.9
    fails("train", "--data", "iris", "--output", "sigmoid", "--out", tmp_path / "x.npz",
          words=["--output sigmoid does not fit iris", "3 classes", "softmax"])
    fails("train", "--data", "diabetes", "--output", "softmax", "--out", tmp_path / "x.npz",
          words=["--output softmax does not fit diabetes", "regression", "linear"])
    fails("train", "--data", "moons", "--output", "linear", "--out", tmp_path / "x.npz",
          words=["--output linear does not fit moons", "2 classes", "--task regression"])
    assert not (tmp_path / "x.npz").exists()


def test_info_says_how_a_finished_model_trains_further_and_that_command_works(tmp_path):
    """info printed "continue with: nndl train --resume m.npz" for every finished model, a
    command that is refused (a new total is needed), and for one that early stopping ended,
    which resumed to 0 epochs with exit 0."""
    ok("train", "--data", "moons", "--layers", "4", "--iterations", "20", "--quiet", "--out",
       tmp_path / "m.npz")
    line = next(x for x in ok("info", tmp_path / "m.npz").splitlines()
                if x.startswith("checkpoint"))
    assert "20 of 20 iterations done (finished)" in line, line
    command = line.split("train further with: nndl ")[1].split()
    assert command == ["train", "--resume", str(tmp_path / "m.npz"), "--iterations", "40"]
    ok(*command, "--quiet")
    assert nndl.load(tmp_path / "m.npz").iterations_done == 40

    ok("train", "--data", "moons", "--layers", "6", "--batch-size", "16", "--epochs", "200",
       "--lr", "0.5", "--patience", "2", "--quiet", "--out", tmp_path / "es.npz")
    done = nndl.load(tmp_path / "es.npz").epochs_done
    assert done < 200
    assert "(finished: early stopping ended it, and it trains no further)" in ok(
        "info", tmp_path / "es.npz")
    fails("train", "--resume", tmp_path / "es.npz", "--epochs", "400",
          words=["es.npz is finished: early stopping ended it", "larger --patience"])
    assert nndl.load(tmp_path / "es.npz").epochs_done == done


def test_infos_continue_command_quotes_a_path_the_shell_would_split(tmp_path):
    """info printed the checkpoint's path bare: 'nndl train --resume my run/m.npz' resumes
    'my' in a shell. The line is now one a shell runs as printed."""
    import shlex

    path = tmp_path / "my run" / "it's.npz"
    path.parent.mkdir()
    ok("train", "--data", "moons", "--layers", "4", "--iterations", "20", "--quiet", "--out",
       path)
    line = next(x for x in ok("info", path).splitlines() if x.startswith("checkpoint"))
    command = shlex.split(line.split("train further with: ")[1])
    assert command == ["nndl", "train", "--resume", str(path), "--iterations", "40"]
    ok(*command[1:], "--quiet")
    assert nndl.load(path).iterations_done == 40


def test_info_names_a_multi_label_model_and_the_playgrounds_plane_map(tmp_path, capsys):
    """info said 'task binary' for three sigmoid units, and 'standardize (mean/std of the
    training data)' for the playground's map of an upload's columns onto its plane."""
    import numpy as np

    from nndl.cli import main
    from nndl.playground.config import Config
    from nndl.playground.export import model_bytes
    from nndl.playground.session import Session

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 50))
    net = nndl.Network([3, 4, 3], seed=0)
    net.fit(X, (X > 0).astype(float), learning_rate=0.5, iterations=5)
    net.save(tmp_path / "multi.npz")
    assert main(["info", str(tmp_path / "multi.npz")]) == 0
    assert "task         multi-label (3 sigmoid units" in capsys.readouterr().out
    a, b = rng.uniform(150, 200, 60), rng.uniform(40, 110, 60)
    csv = "height,weight,kind\n" + "".join(f"{x:.3f},{y:.3f},{'t' if x + y > 220 else 's'}\n"
                                           for x, y in zip(a, b))
    s = Session(Config(dataset="csv", columns=["height", "weight", "kind"]),
                upload=(csv.encode(), "p.csv"))
    s.train_epoch()
    (tmp_path / "page.npz").write_bytes(model_bytes(s))
    assert main(["info", str(tmp_path / "page.npz")]) == 0
    out = capsys.readouterr().out
    assert "onto the playground's plane" in out and "mean/std" not in out


def test_evaluate_on_a_named_set_of_another_task_blames_the_model_not_an_option(tmp_path):
    """evaluate said "--task regression: ..." though it has no --task and none was given."""
    ok("train", "--data", "diabetes", "--layers", "4", "--iterations", "5", "--quiet", "--out",
       tmp_path / "reg.npz")
    line = fails("evaluate", "--model", tmp_path / "reg.npz", "--data", "iris",
                 words=["the model is a regression model", "iris is multiclass"])
    assert "--task" not in line


def test_a_reader_that_closes_the_output_early_is_status_141_not_1(tmp_path):
    """`nndl predict ... | head -1` exited 1, the status of gradcheck's finding or a bug."""
    import numpy as np

    rows = "\n".join(",".join(f"{v:.4f}" for v in r) for r in
                     np.random.default_rng(0).normal(size=(20000, 2)))
    (tmp_path / "x.csv").write_text("x1,x2\n" + rows + "\n")
    ok("train", "--data", "moons", "--layers", "3", "--iterations", "5", "--quiet", "--out",
       tmp_path / "m.npz")
    p = subprocess.Popen(nndl_cmd("predict", "--model", tmp_path / "m.npz", tmp_path / "x.csv"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    assert p.stdout is not None and p.stdout.readline()
    p.stdout.close()  # as head does after its line
    _, err = p.communicate(timeout=120)
    assert p.returncode == 128 + signal.SIGPIPE and err == b"", (p.returncode, err)


@pytest.mark.parametrize("data, option, words", [
    ("iris", ["--label", "species"], ["--label chooses a table file's label column",
                                      "iris is a data set with its own labels"]),
    ("moons", ["--header"], ["--header is for table files", "moons"]),
    ("moons", ["--no-header"], ["--no-header is for table files"]),
    ("moons", ["--image-size", "8"], ["--image-size resizes the images of a folder", "moons"]),
    ("table", ["--image-size", "8"], ["--image-size resizes the images of a folder",
                                      "t.csv is a table file"]),
])
def test_train_refuses_options_its_data_cannot_use(tmp_path, data, option, words):
    """They were ignored, exit 0: the model was not what the command line said."""
    (tmp_path / "t.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n"
                                                        for i in range(40)))
    spec = "t.csv" if data == "table" else data
    fails("train", "--data", spec, *option, "--iterations", "2", "--out", "m.npz",
          words=words, cwd=tmp_path)
    assert not (tmp_path / "m.npz").exists()


def test_gradcheck_refuses_random_network_options_with_a_model(tmp_path):
    """--layers 50,50 --hidden relu with --model were ignored: the report was the model's."""
    ok("train", "--data", "moons", "--layers", "3", "--iterations", "2", "--quiet", "--out",
       tmp_path / "m.npz")
    fails("gradcheck", "--model", tmp_path / "m.npz", "--layers", "50,50", "--hidden", "relu",
          words=["--layers, --hidden describe the random network", "with --model"])
    assert "ok: tolerance" in ok("gradcheck", "--model", tmp_path / "m.npz")
    assert "ok: tolerance" in ok("gradcheck", "--layers", "4", "--hidden", "relu")


def test_a_ctrl_c_whose_interrupt_is_lost_before_training_still_stops_it(tmp_path, monkeypatch,
                                                                           capsys):
    """A Ctrl-C landing in a callback of Python's import machinery is printed as "Exception
    ignored ... KeyboardInterrupt" and lost: the run went on training (a test's 1 000 000
    iterations ran 60 s after the press). The press is noted; training stops before it
    starts, exit 130, no traceback."""
    import os
    import signal

    from nndl.cli import train
    from nndl.cli.app import main

    real = train.build_model

    def swallowed(*a, **k):  # a press whose KeyboardInterrupt something swallows
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # (the handler runs at the next bytecode boundaries)
                pass
        except KeyboardInterrupt:
            pass
        return real(*a, **k)

    monkeypatch.setattr(train, "build_model", swallowed)
    status = main(["train", "--data", "moons", "--iterations", "200000", "--out",
                   str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert status == 130 and "interrupted" in err and "Traceback" not in err, err
    assert not (tmp_path / "m.npz").exists()


def test_a_digits_model_of_the_old_scale_is_refused_not_scored_wrong(tmp_path):
    """The built-in digits are read as pixels in [0, 1] since 2026-12-07 (grey levels 0..16
    before): a model trained before scored 0.947 for 0.983 on them, without a word, and its
    --resume blamed a changed file. Such a model (no info["digits_scale"]) is refused by
    evaluate, predict, train --resume and export, and info says why; today's models and
    their re-saved copies are not."""
    import json

    import numpy as np

    ok("train", "--data", "digits", "--layers", "8", "--iterations", "3", "--quiet", "--out",
       tmp_path / "new.npz")
    z = dict(np.load(tmp_path / "new.npz"))
    meta = json.loads(str(z["__meta__"]))
    assert meta["info"]["digits_scale"] == "pixels in [0, 1]"
    del meta["info"]["digits_scale"]  # as a model of the day before
    z["__meta__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **z)
    words = ["old.npz was trained on the built-in digits as nndl read them before 2026-12-07",
             "train it again"]
    fails("evaluate", "--model", tmp_path / "old.npz", "--data", "digits", words=words)
    fails("train", "--resume", tmp_path / "old.npz", "--iterations", "6", words=words)
    fails("export", tmp_path / "old.npz", "--out", tmp_path / "o.onnx", words=words)
    shown = ok("info", tmp_path / "old.npz")
    assert words[0] in shown and "--resume" not in shown  # (no advice it would refuse)
    with pytest.warns(nndl.NNDLWarning, match="feed it X \\* 16, or train it again"):
        nndl.load(tmp_path / "old.npz")  # Python: said, not refused (its X may be 0..16)
    nndl.load(tmp_path / "new.npz").save(tmp_path / "again.npz")  # Python keeps the mark
    assert "accuracy" in ok("evaluate", "--model", tmp_path / "again.npz", "--data", "digits")


def test_a_command_that_handles_its_ctrl_c_is_said_interrupted_once(monkeypatch, capsys):
    """The review: tune handles Ctrl-C itself (its message, status 130); the watcher of lost
    presses then said "interrupted" a second time."""
    import os
    import signal

    from nndl.cli import info
    from nndl.cli.app import main

    def handles(args):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        except KeyboardInterrupt:
            print("nndl info: interrupted; its own words", file=sys.stderr)
            return 130
        return 0

    monkeypatch.setattr(info, "run", handles)
    assert main(["info", "m.npz"]) == 130
    assert capsys.readouterr().err.count("interrupted") == 1


def test_an_old_playground_export_of_an_upload_is_refused_not_fed_raw_values(tmp_path):
    """Before 2026-12-07 the playground exported a model of an uploaded file that takes the
    points' plane coordinates ((value - center) / scale, kept in info['playground'] only):
    evaluate on the file fed it raw values and scored 0.475 where the page showed 1.0, with
    a warning about column positions only (the compatibility audit). It is refused with the
    reason; info shows it and says why; today's exports (named inputs) are not."""
    net = nndl.Network([2, 3, 1], seed=0)
    old = {"playground": {"settings": "", "features": ["x1", "x2"], "center": [5.0, 7.0],
                          "scale": [2.0, 3.0], "columns": ["a", "b", "y"]}}
    (tmp_path / "old.npz").write_bytes(nndl.io.to_bytes(net, info=old))
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    words = ["old.npz was exported by the playground before 2026-12-07 from an uploaded file",
             "export it again from the page"]
    fails("evaluate", "--model", tmp_path / "old.npz", "--data", tmp_path / "d.csv", words=words)
    fails("predict", "--model", tmp_path / "old.npz", tmp_path / "d.csv", words=words)
    assert words[0] in ok("info", tmp_path / "old.npz")
    new = {**old, "feature_names": ["a", "b"], "label_name": "y"}
    (tmp_path / "new.npz").write_bytes(nndl.io.to_bytes(net, info=new))
    assert "accuracy" in ok("evaluate", "--model", tmp_path / "new.npz", "--data",
                            tmp_path / "d.csv")


def test_resuming_with_the_training_settings_said_again_is_no_change(tmp_path):
    """train --resume m.npz --data d.csv --drop id, on a model trained with --drop id, was
    refused: '--drop cannot be changed when resuming' (the compatibility audit)."""
    (tmp_path / "d.csv").write_text("id,a,y\n" + "".join(f"{i},{(i * 7) % 5},{i % 2}\n"
                                                          for i in range(40)))
    ok("train", "--data", tmp_path / "d.csv", "--drop", "id", "--lr", "0.01", "--iterations",
       "5", "--quiet", "--out", tmp_path / "m.npz")
    ok("train", "--resume", tmp_path / "m.npz", "--data", tmp_path / "d.csv", "--drop", "id",
       "--lr", "0.01", "--iterations", "9", "--quiet")
    assert nndl.load(tmp_path / "m.npz").iterations_done == 9
    fails("train", "--resume", tmp_path / "m.npz", "--lr", "0.02", "--iterations", "12",
          words=["--lr cannot be changed when resuming"])


# --- options the data cannot use, values that were read as something else (r_options) -------
def _images(tmp_path):
    """A folder of 10x10 RGB images in two class folders, and the same images as arrays."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    pixels = (rng.random((8, 10, 10, 3)) * 255).astype("uint8")
    for i, p in enumerate(pixels):
        (tmp_path / "imgs" / "ab"[i % 2]).mkdir(parents=True, exist_ok=True)
        Image.fromarray(p).save(tmp_path / "imgs" / "ab"[i % 2] / f"{i}.png")
    np.savez(tmp_path / "imgs.npz", X=pixels, y=np.arange(8) % 2)


@pytest.mark.parametrize("data, option, words", [
    ("imgs", ["--task", "regression"], ["--task says how to read the labels", "imgs is a "
                                        "folder of images (its classes are its sub-folders)"]),
    ("imgs", ["--features", "0,1"], ["--features chooses the columns", "folder of images"]),
    ("imgs", ["--drop", "1"], ["--drop leaves out columns", "folder of images"]),
    ("imgs", ["--drop-missing"], ["--drop-missing leaves out a table file's rows", "imgs"]),
    ("imgs.npz", ["--image-size", "4"], ["--image-size resizes the images of a folder",
                                         "whose 10x10 images are not resized"]),
    ("digits", ["--image-size", "4"], ["--image-size", "digits", "8x8 images are not resized"]),
])
def test_image_data_refuses_the_options_it_ignored(tmp_path, data, option, words):
    """C1, C2: an image folder trained a classifier of every pixel with --task regression
    --features 0 --drop 1 --drop-missing, and --image-size left arrays of images as they were
    while the model's settings said the size given."""
    _images(tmp_path)
    fails("train", "--data", data, *option, "--iterations", "2", "--layers", "2", "--out",
          "m.npz", words=words, cwd=tmp_path)
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("args, words", [
    (["--keep-prob", "1e-320"], ["--keep-prob", "inverse 1/P is a finite number"]),
    (["--layers", ""], ["--layers", "'none' (or 0) for no hidden layer", "empty"]),
    (["--out", ""], ["--out: expected a file name; got an empty value"]),
    (["--plot", ""], ["--plot: expected a file name"]),
    (["--hidden", "nosuch"], ["argument --hidden: unknown activation 'nosuch'"]),
    (["--output", "nosuch"], ["argument --output", "'nosuch'"]),
    (["--init", "nosuch"], ["argument --init: unknown init 'nosuch'"]),
    (["--lay", "3"], ["unrecognized arguments: --lay 3", "did you mean --layers?"]),
])
def test_a_value_that_would_be_read_as_another_is_refused_when_parsed(tmp_path, args, words):
    """C11: 1/1e-320 overflowed and the message blamed the inputs; D1: --layers '' trained
    logistic regression; D2: --out '' wrote model.npz; D3: the messages did not name the
    option; D8: --lay was read as --layers."""
    line = fails("train", "--data", "moons", *args, "--iterations", "2", cwd=tmp_path,
                 words=words)
    assert line.startswith("nndl train: error: ")
    assert not (tmp_path / "model.npz").exists()


def test_output_names_are_read_in_any_case_as_hidden_and_init_are(tmp_path):
    """D3: --hidden ReLU and --init HE were taken, --output Softmax refused by train (and
    taken by gradcheck)."""
    ok("train", "--data", "moons", "--layers", "3", "--output", "Softmax", "--hidden", "ReLU",
       "--init", "HE", "--iterations", "2", "--quiet", "--out", tmp_path / "m.npz")
    assert nndl.load(tmp_path / "m.npz").output == "softmax"
    assert "ok" in ok("gradcheck", "--output", "SIGMOID", "--hidden", "Tanh")


def test_empty_output_paths_of_the_other_commands_are_refused(tmp_path):
    """D2: predict --out '' printed to stdout, export --out '' wrote m.onnx, tune --storage ''
    used ./nndl-tune.db."""
    ok("train", "--data", "moons", "--layers", "3", "--iterations", "2", "--quiet", "--out",
       tmp_path / "m.npz")
    fails("predict", "--model", tmp_path / "m.npz", "moons", "--out", "",
          words=["--out: expected a file name"])
    fails("export", tmp_path / "m.npz", "--out", "", words=["--out: expected a file name"])
    fails("tune", "--study", "s", "--storage", "", "--report",
          words=["--storage: expected a file name"], cwd=tmp_path)
    assert not (tmp_path / "nndl-tune.db").exists()


def test_export_refuses_a_format_its_out_suffix_contradicts(tmp_path):
    """D5: --format onnx --out m.pt2 wrote an ONNX graph into a .pt2 file."""
    ok("train", "--data", "moons", "--layers", "3", "--iterations", "2", "--quiet", "--out",
       tmp_path / "m.npz")
    fails("export", tmp_path / "m.npz", "--format", "onnx", "--out", tmp_path / "m.pt2",
          words=["--format onnx", ".pt2 is the suffix of a torch.export program", "m.onnx"])
    fails("export", tmp_path / "m.npz", "--format", "torch", "--out", tmp_path / "m.onnx",
          words=["--format torch", "an ONNX graph", "m.pt2"])
    assert not (tmp_path / "m.pt2").exists() and not (tmp_path / "m.onnx").exists()


def test_playground_refuses_an_empty_host_and_a_missing_cat_folder(tmp_path):
    """C9: --host '' listened on every interface and printed http://:PORT/; D9: a --cat-dir
    that does not exist started without a word."""
    pytest.importorskip("uvicorn")
    fails("playground", "--no-browser", "--port", "0", "--host", "",
          words=["--host", "0.0.0.0 (every interface)", "empty"])
    fails("playground", "--no-browser", "--port", "0", "--cat-dir", tmp_path / "nope",
          words=["--cat-dir", "no such folder"])
    assert "$NNDL_CAT_DIR" in " ".join(ok("playground", "--help").split())


def test_info_shows_the_data_options_a_model_was_trained_with(tmp_path):
    """C10: --dev 0.5 --rng legacy --drop id, the label column and --test were saved and used
    by --resume, and info showed none of them."""
    rows = "".join(f"{i},{i % 5},{(i * 3) % 7},{'yn'[i % 2]}\n" for i in range(40))
    (tmp_path / "d.csv").write_text("id,a,b,answer\n" + rows)
    ok("train", "--data", "d.csv", "--dev", "0.5", "--rng", "legacy", "--drop", "id", "--test",
       "d.csv", "--layers", "3", "--iterations", "2", "--quiet", "--out", "m.npz", cwd=tmp_path)
    out = ok("info", "m.npz", cwd=tmp_path)
    assert "label        'answer'" in out
    line = next(x for x in out.splitlines() if x.startswith("options"))
    for words in ("--drop id", "--dev 0.5", "--rng legacy", f"--test {tmp_path / 'd.csv'}"):
        assert words in line, line


def test_a_batch_as_large_as_the_data_is_said_to_be_full_batch(tmp_path):
    """D10: the report said 'mini-batches of 9223372036854775807'."""
    out = ok("train", "--data", "moons", "--layers", "3", "--batch-size", str(2**63 - 1),
             "--epochs", "2", "--quiet", "--out", tmp_path / "m.npz")
    line = next(x for x in out.splitlines() if x.startswith("training"))
    assert "full batch (--batch-size 9223372036854775807 >= the" in line
    assert "mini-batches" not in line


def test_a_split_that_cannot_stratify_gives_the_command_lines_hint_first(tmp_path):
    """D7: the command line was told to 'pass stratify=False' first."""
    line = fails("train", "--data", "iris", "--dev", "0.99", "--iterations", "2", "--out",
                 tmp_path / "m.npz", words=["cannot stratify"])
    assert line.index("--dev") < line.index("stratify=False")
