"""nndl against scikit-learn and PyTorch (CPU), in one run: time, ratio, accuracy, memory, GEMM peak.

    python benchmarks/run.py            # the full suite (several minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run: fewer iterations, 1 round
    python benchmarks/run.py --busy     # the same with one core kept busy by a CPU hog

Cases
-----
cat-f32 / cat-f64
    The course's 4-layer recipe: [12288, 20, 7, 5, 1], relu/sigmoid, full batch (m = 209),
    2500 iterations, learning rate 0.0075, on ``nndl.datasets.load_cat()``. All three libraries
    start from the *same* parameters (nndl's ``init="scaled"``, ``RandomState(1)``, copied
    into scikit-learn's ``coefs_`` and PyTorch's ``Linear`` layers), so the final costs agree
    to rounding and the accuracies are comparable. scikit-learn: ``MLPClassifier(solver="sgd",
    batch_size=m, momentum=0, nesterovs_momentum=False, alpha=0, learning_rate_init=0.0075,
    max_iter=2500, tol=0, n_iter_no_change=10**9, early_stopping=False, shuffle=False)``.
    PyTorch: ``torch.optim.SGD(lr=0.0075)`` on ``BCEWithLogitsLoss``, ``zero_grad()`` with its
    default (``set_to_none=True``: no zeroing pass), as its users write the loop.
wide-f32
    784-512-256-10 relu/softmax on 60 000 synthetic samples (labels from a random linear
    teacher), batch 256, plain SGD (lr 0.05), one epoch, float32, same initial parameters.
    nndl: ``Network.fit(X, Y, batch_size=256, epochs=1, shuffle=False)`` (the peers' order),
    X Fortran-ordered (each sample's 784 values contiguous, as ``data.T`` of row data).
wide-f32-c
    The same with X and Y C-ordered (``np.ascontiguousarray``, as ``np.random.randn(n, m)`` and
    most loaders give them). Every library starts from that X in its timed call: nndl's
    ``fit`` takes it as it is, the peers get their usual samples-as-rows array with
    ``np.ascontiguousarray(X.T)`` inside the timed call (a view of Fortran-ordered X, a copy
    of C-ordered X: what their users would write).
wide-f32-shuffled, wide-f32-c-shuffled
    The same, each epoch in a fresh random order: nndl ``shuffle=True``, scikit-learn
    ``shuffle=True``, PyTorch a ``torch.randperm`` per epoch and ``X[idx]`` per batch (what a
    ``DataLoader(shuffle=True)`` gathers).
wide-f32-adam, wide-f32-c-adam (and with -shuffled)
    The same with Adam (learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8, bias
    correction) instead of plain SGD: nndl ``optimizer="adam"``, scikit-learn
    ``solver="adam"``, PyTorch ``torch.optim.Adam`` (its default, the multi-tensor "foreach"
    implementation).
vectorization
    The notes' demo: a Python ``for`` loop against ``np.dot`` on two vectors of 10^6 float64.
Libraries: ``nndl``, ``sklearn``, ``torch`` with their default threads; ``nndl-1t``,
``sklearn-1t``, ``torch-1t`` the same limited to one thread (threadpoolctl's
``threadpool_limits(1)``, ``torch.set_num_threads(1)``); ``nndl-fixed`` nndl with
``nndl.threads.auto = False`` (the BLAS keeps its thread count under load; by default nndl
lowers it while other processes keep cores busy, with the same bits: nndl.products);
``nndl-fast`` nndl with ``nndl.threads.exact = False`` (it lowers the count without keeping
the bits: ``NNDL_THREADS=fast``).
gemm
    ``np.dot`` of two n x n matrices (n = 2048), float32 and float64: the best of the repeats,
    2 n^3 FLOPs each: the machine's sgemm/dgemm peak as NumPy's BLAS reaches it in this run.

How things are counted
----------------------
time        median over rounds of the training call only (data prepared and the model built
            beforehand; one-time costs of a process, such as imports, thread pools and nndl's
            compiled kernels, paid by an untimed warm-up). Each library/case runs in its own
            worker process, and the libraries of a case take turns: every round times one run
            of each, in an order that rotates from round to round, so a slow spell of the
            (shared, noisy) machine falls on all of them, with a pause of 0.5 s before each
            run (idle thread pools of the worker that ran last stop spinning). Rounds: cat 3,
            wide 15 (``--repeats`` sets both). "x nndl" is the median over rounds of (time /
            nndl's time in the same round), "range" its min-max.
busy        ``--busy``: every case runs twice, on the machine as it is and then with a CPU
            hog (a Python busy loop pinned to core 0) running, each library also limited to
            one thread (the "-1t" rows), and nndl also as nndl-fixed; the last table gives
            per library the median time quiet and busy, "busy/quiet" and "busy/1t" (the
            median over busy rounds of the library's time / its one-thread time in the same
            round).
FLOPs       nominal work of plain backpropagation, 2 FLOPs per multiply-add, matrix products
            only: per step and layer l, forward ``W[l] A[l-1]`` (2 n[l] n[l-1] m), ``dW[l]``
            (2 n[l] n[l-1] m) and, for l >= 2, ``dA[l-1]`` (2 n[l] n[l-1] m); no layer computes
            dA[0]. The same count is used for every library, so "% peak" is nominal FLOPs / time
            / GEMM peak of the dtype; nndl's dual form of layer 1 does less work than this
            count, so its figure can exceed 100% (it is an *effective* rate).
memory      "RSS+" is the growth of ``ru_maxrss``
            (the process's high-water mark) over the training runs, after imports and data are
            in memory; "traced" is the tracemalloc peak of one extra, untimed training call
            (NumPy allocations: nndl and scikit-learn; PyTorch's allocator is not traced; for
            the cat recipe with ``memory_iters`` = 20 iterations, as every step allocates the
            same) counted from before the model is built, so the parameters are included and
            the data, which exists before, is not; "budget" is the parameters + one set of
            gradients (the size of the parameters) + one set of activations Z and A for every
            layer (2 sum n[l] m, m = the batch): what training may hold besides the data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# the nndl to measure: this checkout's, or the tree benchmarks/revisions.py names
SRC = Path(os.environ.get("NNDL_BENCH_SRC") or HERE.parent / "src")
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

import nndl  # noqa: E402

CAT_DIMS = [12288, 20, 7, 5, 1]
WIDE_DIMS = [784, 512, 256, 10]
LIBS = ("nndl", "sklearn", "torch")
CASES = ("cat-f32", "cat-f64", "wide-f32", "wide-f32-c")
MORE_CASES = ("wide-f32-adam", "wide-f32-c-adam", "wide-f32-shuffled", "wide-f32-c-shuffled",
              "wide-f32-adam-shuffled", "wide-f32-c-adam-shuffled")
"""The default cases, and the others --cases knows."""
ADAM = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
"""The Adam cases' settings (every library's defaults but the learning rate)."""


def base_lib(lib: str) -> str:
    """``"torch-1t"`` -> ``"torch"``, ``"nndl-fixed"`` -> ``"nndl"``."""
    return lib.split("-")[0]


# --- configuration --------------------------------------------------------------------------
def config(quick: bool, tiny: bool) -> dict:
    """Sizes and counts. ``quick``: fewer iterations; ``tiny``: small synthetic sizes (tests)."""
    c = {"cat_iters": 2500, "cat_lr": 0.0075, "wide_m": 60000, "wide_batch": 256,
         "wide_lr": 0.05, "wide_dims": WIDE_DIMS, "cat_dims": CAT_DIMS, "vec_n": 10**6,
         "gemm_n": 2048, "memory_iters": 20,
         "repeats": {"cat": 3, "wide": 15}, "pause": 0.5}
    if quick:
        c.update(cat_iters=100, wide_m=256 * 20, gemm_n=1024, repeats={"cat": 1, "wide": 1})
    if tiny:
        c.update(cat_iters=10, wide_m=256, wide_batch=64, wide_dims=[30, 16, 8, 3],
                 cat_dims=[300, 8, 4, 1], vec_n=10**4, gemm_n=64, memory_iters=3,
                 repeats={"cat": 1, "wide": 1}, pause=0.0)
    return c


def nominal_flops(dims: list[int], m: int) -> int:
    """FLOPs of one forward + backward pass on m samples (see the module docstring)."""
    return sum((6 if l >= 2 else 4) * dims[l] * dims[l - 1] * m for l in range(1, len(dims)))


def budget_bytes(dims: list[int], m: int, itemsize: int) -> int:
    """The parameters + gradients (one per parameter) + Z and A of every layer, in bytes (the
    data excluded: it exists before training starts)."""
    n_params = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    acts = sum(2 * dims[l] * m for l in range(1, len(dims)))
    return (2 * n_params + acts) * itemsize


# --- data -----------------------------------------------------------------------------------
def cat_data(cfg: dict, dtype: str):
    """(X, Y, Xt, Yt, source): the cat data (or same-shaped synthetic data when tiny/absent)."""
    dims = cfg["cat_dims"]
    if dims == CAT_DIMS:
        try:
            from nndl.datasets import load_cat

            train, test = load_cat()
            cast = lambda a: np.asarray(a, dtype=dtype)  # noqa: E731 (keeps the layout)
            return (cast(train.X), cast(train.Y), cast(test.X), cast(test.Y), "cat")
        except nndl.NNDLError:
            pass
    rng = np.random.default_rng(0)
    m = 40 if dims != CAT_DIMS else 209
    X = rng.random((dims[0], m)).astype(dtype)
    Y = (rng.random((1, m)) > 0.5).astype(dtype)
    return X, Y, X, Y, "synthetic"


def wide_data(cfg: dict):
    """X (n0, m) float32 (columns contiguous), Y one-hot (n[L], m), labels (m,)."""
    dims, m = cfg["wide_dims"], cfg["wide_m"]
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((dims[0], m), dtype=np.float32))
    teacher = rng.standard_normal((dims[-1], dims[0])).astype(np.float32)
    labels = np.argmax(teacher @ X, axis=0)
    Y = np.asfortranarray(np.eye(dims[-1], dtype=np.float32)[labels].T)
    return X, Y, labels


def _output(dims) -> str:
    return "sigmoid" if dims[-1] == 1 else "softmax"


def init_params(dims, init, dtype):
    net = nndl.Network(dims, hidden="relu", output=_output(dims), init=init,
                       rng=np.random.RandomState(1), dtype=dtype)
    return {k: v.copy() for k, v in net.params.items()}


def nndl_network(dims, dtype, params):
    """An nndl Network starting from ``params``: built with init="zeros" (which draws nothing,
    so no float64 temporary enters the memory trace), then the shared start copied in."""
    net = nndl.Network(dims, hidden="relu", output=_output(dims), init="zeros", dtype=dtype)
    for k, v in params.items():
        np.copyto(net.params[k], v)
    return net


def nndl_wide_epoch(X, Y, cfg: dict, params: dict) -> tuple[float, dict]:
    """Seconds of one plain-SGD epoch of the wide MLP in the data's order with nndl, from
    ``params`` (float32), and the parameters it ends with (breakdown.py, kernels.py)."""
    net = nndl_network(cfg["wide_dims"], "float32", params)
    t0 = time.perf_counter()
    net.fit(X, Y, learning_rate=cfg["wide_lr"], batch_size=cfg["wide_batch"], epochs=1,
            shuffle=False)
    return time.perf_counter() - t0, net.params


# --- one training run per library -------------------------------------------------------------
def _sk_model(dims, lr, batch, iters, params, X_rows, labels, adam=False):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(dims[1:-1]), activation="relu",
                        solver="adam" if adam else "sgd", beta_1=ADAM["beta1"],
                        beta_2=ADAM["beta2"], epsilon=ADAM["epsilon"],
                        batch_size=batch, learning_rate="constant", learning_rate_init=lr,
                        momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=1, tol=0.0,
                        n_iter_no_change=10**9, early_stopping=False, shuffle=False,
                        warm_start=True, random_state=0)
    with warnings.catch_warnings():  # one step to create the model's attributes (untimed)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_rows[:max(batch, 64)], labels[:max(batch, 64)])
    L = len(dims) - 1
    clf.coefs_ = [np.ascontiguousarray(params[f"W{l}"].T) for l in range(1, L + 1)]
    clf.intercepts_ = [params[f"b{l}"].ravel().copy() for l in range(1, L + 1)]
    clf.max_iter = iters
    return clf


def _torch_model(dims, params, dtype):
    import torch

    layers = []
    for l in range(1, len(dims)):
        lin = torch.nn.Linear(dims[l - 1], dims[l], dtype=getattr(torch, dtype))
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[f"W{l}"]))
            lin.bias.copy_(torch.from_numpy(params[f"b{l}"].ravel()))
        layers += [lin, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def run_cat(lib: str, dtype: str, cfg: dict, iters: int):
    """Returns (train callable, finish callable -> metrics dict, model-building callable)."""
    X, Y, Xt, Yt, source = cat_data(cfg, dtype)
    dims, lr = cfg["cat_dims"], cfg["cat_lr"]
    params = init_params(dims, "scaled", dtype)
    if lib == "nndl":
        def build():
            return nndl_network(dims, dtype, params)

        def train(net):
            return net.fit(X, Y, learning_rate=lr, iterations=iters).costs[-1]

        def metrics(net, cost):
            return {"cost": cost, "train_acc": net.accuracy(X, Y), "test_acc": net.accuracy(Xt, Yt)}
    elif lib == "sklearn":
        Xr, Xtr = np.ascontiguousarray(X.T), np.ascontiguousarray(Xt.T)
        y, yt = Y.ravel().astype(int), Yt.ravel().astype(int)

        def build():
            return _sk_model(dims, lr, X.shape[1], iters, params, Xr, y)

        def train(clf):
            from sklearn.exceptions import ConvergenceWarning
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(Xr, y)
            assert clf.coefs_[0].dtype == np.dtype(dtype), clf.coefs_[0].dtype
            return clf.loss_curve_[-1]

        def metrics(clf, cost):
            return {"cost": cost, "train_acc": clf.score(Xr, y), "test_acc": clf.score(Xtr, yt)}
    else:
        import torch
        Xr, Xtr = torch.from_numpy(np.ascontiguousarray(X.T)), torch.from_numpy(
            np.ascontiguousarray(Xt.T))
        yr, ytr = torch.from_numpy(np.ascontiguousarray(Y.T)), torch.from_numpy(
            np.ascontiguousarray(Yt.T))

        def build():
            return _torch_model(dims, params, dtype)

        def train(model):
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            lossf = torch.nn.BCEWithLogitsLoss()
            for _ in range(iters):
                opt.zero_grad()  # the default: set_to_none=True
                loss = lossf(model(Xr), yr)
                loss.backward()
                opt.step()
            return float(loss.detach())

        def metrics(model, cost):
            with torch.no_grad():
                acc = [float(((model(a) > 0).to(b.dtype) == b).double().mean())
                       for a, b in ((Xr, yr), (Xtr, ytr))]
            return {"cost": cost, "train_acc": acc[0], "test_acc": acc[1]}
    return build, train, metrics, {"source": source, "m": X.shape[1], "data_bytes": X.nbytes}


def run_wide(lib: str, dtype: str, cfg: dict, iters: "int | None", c_order: bool = False,
             shuffle: bool = False, adam: bool = False):
    X, Y, labels = wide_data(cfg)
    if c_order:
        X, Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    dims, lr, bs = cfg["wide_dims"], cfg["wide_lr"], cfg["wide_batch"]
    lr = ADAM["lr"] if adam else lr
    epochs = cfg.get("wide_epochs", 1)
    m = X.shape[1]
    params = init_params(dims, "he", dtype)
    starts = range(0, m, bs)
    if lib == "nndl":
        def build():
            return nndl_network(dims, dtype, params)

        def train(net):  # one epoch of mini-batches in the data's order, like the peers
            opt = nndl.optimizers.Adam(lr, ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]) \
                if adam else nndl.optimizers.GradientDescent(lr)
            h = net.fit(X, Y, optimizer=opt, batch_size=bs, epochs=epochs, shuffle=shuffle)
            return h.epoch_costs[-1]  # the mean batch cost, weighted as scikit-learn does

        def metrics(net, cost):
            return {"cost": cost, "train_acc": net.accuracy(X, Y)}
    elif lib == "sklearn":
        Xr = np.ascontiguousarray(X.T)

        def build():
            clf = _sk_model(dims, lr, bs, epochs, params, Xr, labels, adam)
            clf.shuffle = shuffle
            return clf

        def train(clf):
            from sklearn.exceptions import ConvergenceWarning
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                # from the user's X, like nndl's fit: samples as rows, a view of
                # Fortran-ordered X, a copy (timed) of C-ordered X
                clf.fit(np.ascontiguousarray(X.T), labels)
            return clf.loss_curve_[-1]

        def metrics(clf, cost):
            return {"cost": cost, "train_acc": clf.score(Xr, labels)}
    else:
        import torch
        Xr = torch.from_numpy(np.ascontiguousarray(X.T))
        yr = torch.from_numpy(labels.astype(np.int64))

        def build():
            return _torch_model(dims, params, dtype)

        def train(model):
            # from the user's X, like nndl's fit: a view of Fortran-ordered X, a copy (timed)
            # of C-ordered X into the samples-as-rows tensor PyTorch indexes
            Xt = torch.from_numpy(np.ascontiguousarray(X.T))
            opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(ADAM["beta1"],
                                   ADAM["beta2"]), eps=ADAM["epsilon"]) if adam else \
                torch.optim.SGD(model.parameters(), lr=lr)
            lossf = torch.nn.CrossEntropyLoss()
            for _ in range(epochs):
                total = 0.0
                perm = torch.randperm(m) if shuffle else None
                for s in starts:
                    opt.zero_grad()  # the default: set_to_none=True
                    if perm is None:
                        xb, yb = Xt[s:s + bs], yr[s:s + bs]
                    else:
                        idx = perm[s:s + bs]
                        xb, yb = Xt[idx], yr[idx]
                    loss = lossf(model(xb), yb)
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * min(bs, m - s)
            return total / m

        def metrics(model, cost):
            with torch.no_grad():
                acc = float((model(Xr).argmax(1) == yr).double().mean())
            return {"cost": cost, "train_acc": acc}
    return build, train, metrics, {"source": "synthetic", "m": bs, "data_bytes": X.nbytes}


def load_kernels() -> None:
    """Load nndl's fused updates (:mod:`nndl.kernels`, when numba is installed and
    ``NNDL_KERNELS`` is not 0) before the timed runs: ~0.5 s once per process, a one-time cost
    like PyTorch's import, which no timed run includes either. (A tree from before the kernels
    has none.)"""
    try:
        import nndl.kernels as kernels
    except ImportError:
        return
    if kernels.enabled and kernels.available():
        kernels.load()


THREAD_MODES = {"nndl-auto": {"auto": True}, "nndl-fixed": {"auto": False},
                "nndl-fast": {"auto": True, "exact": False}}
"""The nndl.threads switches of the nndl variants (the others leave them as they are)."""


@contextlib.contextmanager
def threads_mode(mode: "dict | None"):
    """``nndl.threads``' switches set as ``mode`` says inside (``THREAD_MODES``; None: left
    as they are), as they were after (the entries of an --in-process run share one nndl)."""
    try:
        import nndl.threads
    except ImportError:  # an earlier nndl has no nndl.threads
        mode = None
    if not mode or not all(hasattr(nndl.threads, k) for k in mode):
        yield  # (an earlier nndl may lack a switch: then it runs as it is)
        return
    before = {k: getattr(nndl.threads, k) for k in mode}
    for k, v in mode.items():
        setattr(nndl.threads, k, v)
    try:
        yield
    finally:
        for k, v in before.items():
            setattr(nndl.threads, k, v)


# --- one (case, library): timed one run at a time, so that libraries can take turns ----------
class Entry:
    """One case/library: data and warm-up on construction, then :meth:`time_one` per round and
    :meth:`finish` (metrics and memory, module docstring) at the end."""

    def __init__(self, case: str, lib: str, cfg: dict, rss: bool = True) -> None:
        self.case, self.lib, self.cfg, self.rss = case, lib, cfg, rss
        self.dtype = "float64" if "f64" in case.split("-") else "float32"
        one = lib.endswith("-1t")
        self.limit = None
        self.threads_mode = THREAD_MODES.get(lib)
        if base_lib(lib) == "torch":
            import torch
            torch.set_num_threads(1 if one else os.cpu_count() or 1)
        elif one:
            from threadpoolctl import threadpool_limits
            self.limit = threadpool_limits(1)  # kept for the worker's life
        if case.startswith("cat"):
            self.runner = run_cat
        else:
            parts = case.split("-")
            self.runner = lambda *a: run_wide(*a, c_order="c" in parts,
                                              shuffle="shuffled" in parts,
                                              adam="adam" in parts)
        warm_cfg = dict(cfg, wide_m=2 * cfg["wide_batch"])
        lib = base_lib(lib)
        wbuild, wtrain, _, _ = self.runner(lib, self.dtype, warm_cfg, 2)
        if lib == "nndl":
            load_kernels()
        # untimed warm-up: lazy imports, thread pools, ...
        with threads_mode(self.threads_mode):
            wtrain(wbuild())
        self.build, self.train, self.metrics, self.info = self.runner(
            lib, self.dtype, cfg, cfg["cat_iters"])
        self.rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.times: list[float] = []
        self.model, self.cost = None, None

    def time_one(self) -> float:
        """Build a fresh model and time one training call (the model building is not timed)."""
        self.model = self.build()
        t0 = time.perf_counter()
        with threads_mode(self.threads_mode):
            self.cost = self.train(self.model)
        self.times.append(time.perf_counter() - t0)
        return self.times[-1]

    def finish(self) -> dict:
        case, lib, cfg, info = self.case, self.lib, self.cfg, self.info
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {"case": case, "lib": lib, "dtype": self.dtype, "times": self.times,
               "time": statistics.median(self.times), **self.metrics(self.model, self.cost),
               **info, "rss_delta_mb": (rss1 - self.rss0) / 1024 if self.rss else None,
               "traced_mb": None}
        if base_lib(lib) != "torch":
            build, train = self.build, self.train
            if case.startswith("cat"):  # the peak of one step is the peak of all: fewer steps
                build, train, _, _ = self.runner(base_lib(lib), self.dtype, cfg,
                                                 cfg["memory_iters"])
            tracemalloc.start()  # before the model exists: its parameters count, the data not
            with threads_mode(self.threads_mode):
                train(build())
            out["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        dims = cfg["cat_dims"] if case.startswith("cat") else cfg["wide_dims"]
        m_total = info["m"] * cfg["cat_iters"] if case.startswith("cat") else cfg["wide_m"]
        out["flops"] = nominal_flops(dims, m_total)
        out["budget_mb"] = budget_bytes(dims, info["m"], np.dtype(self.dtype).itemsize) / 2**20
        return out


def serve(case: str, lib: str, cfg: dict) -> None:
    """Worker process: build an :class:`Entry`, say "ready", then answer "time" (one timed run)
    and "finish" (the result) lines on stdin, one JSON line each on stdout. Whatever the
    libraries print goes to stderr, so that stdout carries the answers only."""
    answers, sys.stdout = sys.stdout, sys.stderr
    entry = Entry(case, lib, cfg)
    print(json.dumps({"ready": True}), file=answers, flush=True)
    for line in sys.stdin:
        if line.strip() == "time":
            print(json.dumps({"time": entry.time_one()}), file=answers, flush=True)
        elif line.strip() == "finish":
            print(json.dumps(entry.finish()), file=answers, flush=True)
            return


class Remote:
    """The driver's side of :func:`serve`: the same two methods as :class:`Entry`."""

    def __init__(self, case: str, lib: str, flags: list[str],
                 env: "dict[str, str] | None" = None) -> None:
        self.name = f"{case}/{lib}"
        self.err = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: it never fills up
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", case, lib] + flags,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True, env=env)
        self._ask(None)

    def _ask(self, what: "str | None") -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if what is not None:
            self.proc.stdin.write(what + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.err.seek(0)
            raise SystemExit(f"{self.name} failed:\n{self.err.read()}")
        return json.loads(line)

    def time_one(self) -> float:
        return self._ask("time")["time"]

    def finish(self) -> dict:
        out = self._ask("finish")
        self.proc.communicate()
        self.err.close()
        return out


def run_case(case: str, libs: list[str], cfg: dict, repeats: int, in_process: bool,
             flags: list[str]) -> list[dict]:
    """Every library of one case, in rounds: each round times one run of every library, the
    order rotating from round to round, so that a slow spell of a shared machine falls on all
    of them (the table's ratio is the median over rounds of the time over nndl's time)."""
    entries = {lib: (Entry(case, lib, cfg, rss=False) if in_process else
                     Remote(case, lib, flags)) for lib in libs}
    results = list(take_turns(entries, repeats, cfg["pause"]).values())
    for out in results:
        print(json.dumps(out), file=sys.stderr, flush=True)  # progress, raw
    return results


def take_turns(entries: dict, rounds: int, pause: float) -> dict[str, dict]:
    """Time one run of every entry per round, the order rotating from round to round, each
    after ``pause`` seconds (the last worker's spinning BLAS/OpenMP threads go to sleep);
    then each entry's result (:meth:`Entry.finish`) with its ``times``, in ``entries``'
    order. (``benchmarks/revisions.py`` runs two source trees this way.)"""
    names = list(entries)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(pause)
            times[name].append(entries[name].time_one())
    out = {}
    for name in names:
        out[name] = entries[name].finish()
        out[name]["times"] = times[name]
    return out


def worker_flags(quick: bool, tiny: bool, epochs: int) -> list[str]:
    """The options a worker process gets from the command line's."""
    return (["--quick"] if quick else []) + (["--tiny"] if tiny else []) \
        + ["--epochs", str(epochs)]


def vectorization(n: int, repeats: int) -> dict:
    """The notes' demo: c = sum_i a[i] b[i] by a Python loop and by np.dot."""
    rng = np.random.default_rng(0)
    a, b = rng.random(n), rng.random(n)

    def loop():
        c = 0.0
        for i in range(n):
            c += a[i] * b[i]
        return c

    tl, td = [], []
    for _ in range(repeats):
        t0 = time.perf_counter(); c1 = loop(); tl.append(time.perf_counter() - t0)  # noqa: E702
        t0 = time.perf_counter(); c2 = np.dot(a, b); td.append(time.perf_counter() - t0)  # noqa
    assert abs(c1 - c2) <= 1e-9 * abs(c2)
    return {"loop": statistics.median(tl), "dot": statistics.median(td), "n": n}


def gemm_peak(n: int, repeats: int) -> dict:
    """Best GFLOP/s of an n x n x n np.dot (2 n^3 FLOPs), float32 and float64."""
    rng = np.random.default_rng(0)
    res = {}
    for dt in ("float32", "float64"):
        A = rng.standard_normal((n, n)).astype(dt)
        B = rng.standard_normal((n, n)).astype(dt)
        C = np.empty((n, n), dt)
        np.dot(A, B, out=C)  # warm the BLAS threads
        best = min(_timed(lambda A=A, B=B, C=C: np.dot(A, B, out=C))
                   for _ in range(max(repeats, 3)))
        res[dt] = 2 * n**3 / best / 1e9
    return res


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


# --- the table ----------------------------------------------------------------------------
def _fmt_mb(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(results: list[dict], peak: dict, vec: dict, cfg: dict) -> str:
    lines = []
    lines.append(f"GEMM peak (np.dot {cfg['gemm_n']}^3, best of repeats): "
                 f"sgemm {peak['float32']:.1f} GFLOP/s, dgemm {peak['float64']:.1f} GFLOP/s")
    lines.append(f"vectorization (n = {vec['n']}): Python loop {vec['loop'] * 1e3:.1f} ms, "
                 f"np.dot {vec['dot'] * 1e3:.3f} ms, loop/dot = {vec['loop'] / vec['dot']:.0f}x")
    w = max([19] + [len(r["case"]) for r in results])
    hdr = (f"{'case':<{w}} {'library':<10} {'time s':>8} {'x nndl':>7} {'range':>11} {'cost':>9} "
           f"{'train':>6} "
           f"{'test':>6} {'%peak':>6} {'RSS+ MB':>8} {'traced MB':>9} {'budget MB':>9}")
    lines += [hdr, "-" * len(hdr)]
    base = {r["case"]: r["times"] for r in results if r["lib"] == "nndl"}
    for r in results:
        ratio, span = float("nan"), "-"
        if r["case"] in base:  # per round: this library's time / nndl's time in that round
            each = [t / b for t, b in zip(r["times"], base[r["case"]])]
            ratio = statistics.median(each)
            span = f"{min(each):.2f}-{max(each):.2f}"
        pct = 100 * r["flops"] / r["time"] / 1e9 / peak[r["dtype"]]
        test = f"{r['test_acc']:.3f}" if "test_acc" in r else "-"
        lines.append(
            f"{r['case']:<{w}} {r['lib']:<10} {r['time']:>8.4g} {ratio:>7.2f} {span:>11} {r['cost']:>9.6f} "
            f"{r['train_acc']:>6.3f} {test:>6} {pct:>5.0f}% {_fmt_mb(r['rss_delta_mb']):>8} "
            f"{_fmt_mb(r['traced_mb']):>9} {r['budget_mb']:>9.2f}")
    return "\n".join(lines)


def busy_table(quiet: list[dict], busy: list[dict]) -> str:
    """Per case and library (default threads): median time quiet and busy, busy/quiet, and
    busy/1t: the median over busy rounds of its time / its one-thread variant's time."""
    q = {(r["case"], r["lib"]): r for r in quiet}
    b = {(r["case"], r["lib"]): r for r in busy}
    w = max([19] + [len(r["case"]) for r in busy])
    hdr = (f"{'case':<{w}} {'library':<10} {'quiet s':>8} {'busy s':>8} {'busy/quiet':>10} "
           f"{'busy/1t':>8} {'1t range':>11}")
    lines = [hdr, "-" * len(hdr)]
    for (case, lib), r in b.items():
        if lib.endswith("-1t"):
            continue
        quiet_t = q[(case, lib)]["time"] if (case, lib) in q else float("nan")
        one = b.get((case, base_lib(lib) + "-1t"))
        ratio, span = float("nan"), "-"
        if one is not None:
            each = [t / o for t, o in zip(r["times"], one["times"])]
            ratio = statistics.median(each)
            span = f"{min(each):.2f}-{max(each):.2f}"
        lines.append(f"{case:<19} {lib:<10} {quiet_t:>8.4g} {r['time']:>8.4g} "
                     f"{r['time'] / quiet_t:>10.2f} {ratio:>8.2f} {span:>11}")
    return "\n".join(lines)


class Hog:
    """A CPU hog: a Python busy loop in its own process, pinned to core 0 where possible."""

    CODE = ("import os\ntry:\n    os.sched_setaffinity(0, {0})\nexcept (AttributeError, OSError):"
            "\n    pass\nwhile True:\n    pass\n")

    def __enter__(self) -> "Hog":
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(l.split(":", 1)[1].strip() for l in out.splitlines()
                     if l.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, NumPy {np.__version__}"


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer iterations, 1 repeat")
    ap.add_argument("--tiny", action="store_true", help="tiny synthetic sizes (for tests)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs of the wide cases (1)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="rounds of timed runs per case (cat 3, wide 15; quick and tiny 1)")
    ap.add_argument("--cases", default=",".join(CASES),
                    help="comma-separated subset of " + ",".join(CASES) +
                    "," + ",".join(MORE_CASES))
    ap.add_argument("--libs", default=",".join(LIBS), help="comma-separated subset of " +
                    ",".join(LIBS) + ", their one-thread variants (nndl-1t, ...), "
                    "nndl-fixed and nndl-fast")
    ap.add_argument("--busy", action="store_true",
                    help="run every case quiet, then beside a CPU hog on core 0, each library "
                    "also limited to one thread (-1t), nndl also as nndl-fixed; a last table "
                    "compares")
    ap.add_argument("--in-process", action="store_true",
                    help="run every entry in this process (no RSS measurement)")
    ap.add_argument("--worker", nargs=2, metavar=("CASE", "LIB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    cfg = config(args.quick, args.tiny)
    cfg["wide_epochs"] = args.epochs
    if args.worker:
        serve(args.worker[0], args.worker[1], cfg)
        return ""
    libs = [x for x in args.libs.split(",") if x]
    try:
        import torch  # noqa: F401
    except ImportError:
        if any(base_lib(x) == "torch" for x in libs):
            print("torch is not installed: its rows are skipped", file=sys.stderr)
            libs = [x for x in libs if base_lib(x) != "torch"]
    if args.busy:
        libs += [x + "-1t" for x in libs if "-" not in x and x + "-1t" not in libs]
        libs += ["nndl-fixed"] if "nndl" in libs and "nndl-fixed" not in libs else []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    peak = gemm_peak(cfg["gemm_n"], args.repeats or 3)
    vec = vectorization(cfg["vec_n"], args.repeats or 3)
    print(json.dumps({"gemm_gflops": peak, "vectorization": vec}), file=sys.stderr, flush=True)
    flags = worker_flags(args.quick, args.tiny, args.epochs)
    cases = [c for c in args.cases.split(",") if c]
    rounds = {c: args.repeats or cfg["repeats"][c.split("-")[0]] for c in cases}

    def run_all() -> list[dict]:
        out: list[dict] = []
        for case in cases:
            out += run_case(case, libs, cfg, rounds[case], args.in_process, flags)
        return out

    results = run_all()
    busy: list[dict] = []
    if args.busy:
        with Hog():
            busy = run_all()
    peak_after = gemm_peak(cfg["gemm_n"], args.repeats or 3)  # the machine is shared: twice
    peak = {k: max(peak[k], peak_after[k]) for k in peak}
    counts = ", ".join(f"{c} {n}" for c, n in rounds.items())
    text = (f"nndl benchmarks — {machine()} — {started} — "
            f"{'quick' if args.quick else 'full'}{' tiny' if args.tiny else ''}, "
            f"rounds: {counts}\n" + table(results, peak, vec, cfg))
    if args.busy:
        text += ("\n\nbusy: the same beside a CPU hog on core 0\n" + table(busy, peak, vec, cfg)
                 + "\n\n" + busy_table(results, busy))
    print(text)
    return text


if __name__ == "__main__":
    main()
