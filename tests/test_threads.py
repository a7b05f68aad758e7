"""BLAS threads during fit (nndl.threads.auto, on by default): fewer while other processes
keep cores busy, chosen by timing steps within what they leave free; a quiet machine's fit
leaves the BLAS alone, and a busy machine's fit gives the same bits (nndl.products) (no timed
assertions: the clock is a fake one where timing matters)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nndl
from nndl import products, threads
from nndl.threads import Chooser, LoadMonitor, Threads, candidates


def _threadpoolctl():
    """threadpoolctl, or a skip (a failure under CI, which installs it with the test extra)."""
    try:
        import threadpoolctl
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("threadpoolctl is missing: the test extra installs it")
        pytest.skip("threadpoolctl is not installed (the 'threads' extra)")
    return threadpoolctl


class Clock:
    """A fake clock: each step takes ``cost[threads]`` seconds."""

    def __init__(self, cost):
        self.t, self.cost, self.n = 0.0, cost, None

    def __call__(self):
        return self.t

    def run(self, chooser, steps, size=64):
        used = []
        for _ in range(steps):
            chooser.before_step()
            used.append(chooser.applied)
            self.t += self.cost[chooser.applied]
            chooser.after_step(size)
        return used


def _chooser(clock, counts=(2, 1), **kw):
    applied = []
    c = Chooser(counts, applied.append, clock=clock, **kw)
    return c, applied


def test_candidates():
    assert candidates(1) == [1] and candidates(2) == [2, 1] and candidates(8) == [8, 4, 1]


def test_the_faster_count_is_kept_after_a_warm_step_and_three_timed_ones():
    clock = Clock({2: 0.010, 1: 0.030})
    c, applied = _chooser(clock)
    used = clock.run(c, 20)
    assert used[:8] == [2] * 4 + [1] * 4 and set(used[8:]) == {2}
    assert c.chosen == 2 and applied == [1, 2]
    clock = Clock({2: 0.030, 1: 0.010})
    c, _ = _chooser(clock)
    assert set(clock.run(c, 20)[8:]) == {1}


def test_a_tie_goes_to_fewer_threads():
    clock = Clock({2: 0.0100, 1: 0.0104})
    c, _ = _chooser(clock)
    clock.run(c, 10)
    assert c.chosen == 1


def test_rechecks_back_off_while_the_choice_holds_and_react_to_a_slowdown():
    clock = Clock({2: 0.010, 1: 0.030})
    c, _ = _chooser(clock)
    clock.run(c, 8)
    assert c.chosen == 2 and c.interval == 1.0
    used = clock.run(c, 150)  # 1.5 s: one re-check of 1 thread (warm + 3 steps)
    assert used.count(1) == 4 and c.chosen == 2 and c.interval == 2.0
    clock.cost = {2: 0.100, 1: 0.030}  # another process took a core
    used = clock.run(c, 10)
    assert c.chosen == 1 and used[-1] == 1 and c.interval == 1.0


def test_other_batch_sizes_are_not_compared():
    clock = Clock({2: 0.010, 1: 0.030})
    c, _ = _chooser(clock)
    clock.run(c, 4)
    clock.cost = {2: 0.010, 1: 0.001}
    clock.run(c, 20, size=7)  # the last batch of an epoch: run, not timed
    assert c.chosen is None and c.queue == [1]


def test_allow_drops_to_the_free_cores_at_once_and_measures_again_when_they_come_back():
    clock = Clock({4: 0.005, 2: 0.008, 1: 0.015})
    c, applied = _chooser(clock, counts=(4, 2, 1))
    clock.run(c, 12)
    assert c.chosen == 4
    c.allow(1)
    assert clock.run(c, 3) == [1, 1, 1] and c.queue == []
    c.allow(4)
    used = clock.run(c, 12)
    assert used[:4] == [1, 1, 1, 4] and c.chosen == 4  # 1 timed again (no switch: no warm step)


def test_an_excluded_count_is_never_used_again():
    clock = Clock({4: 0.005, 2: 0.008, 1: 0.015})
    c, applied = _chooser(clock, counts=(4, 2, 1))
    c.allow(2)
    assert c.allowed == [2, 1] and clock.run(c, 1) == [2]
    c.exclude(2)  # the count in use: the next step runs the next allowed one, untimed
    assert c.allowed == [1] and c.queue == [] and clock.run(c, 3) == [1, 1, 1]
    c.exclude(4)  # the first count stays, whatever happens
    c.exclude(1)  # none left under the cap: the first count, held there
    assert c.counts == [4] and c.allowed == [4] and clock.run(c, 12) == [4] * 12
    c.allow(2), c.allow(4)
    assert clock.run(c, 3) == [4] * 3 and c.chosen == 4
    assert applied == [2, 1, 4]


def test_load_monitor_counts_other_processes_only():
    mon = LoadMonitor()
    x = sum(i * i for i in range(200_000))  # this process's own work is not "others"
    others = mon.others()
    assert x > 0
    if others is not None:  # Linux
        assert 0.0 <= others <= (os.cpu_count() or 1) + 0.5


def _simulate_load(monkeypatch, others):
    """auto on, a 2-core machine where other processes use ``others`` cores, measured from
    the first step on (no earlier measurement remembered)."""
    monkeypatch.setattr(threads, "auto", True)
    monkeypatch.setattr(threads, "_last_cap", None)
    monkeypatch.setattr(Threads, "first_window", 0.0)
    monkeypatch.setattr(LoadMonitor, "others", lambda self: others)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def _watch(monkeypatch):
    """Record the counts Threads sets, and whether a lowered step needed the reference plan
    (with OpenBLAS's Haswell kernels most float32 products do: then the fit goes back to the
    BLAS's own count after its first step, [1, 2]; on AVX-512 it stays at 1, [1])."""
    seen, refs = [], []
    real_set, real_ref = Threads._set, products.referenced
    monkeypatch.setattr(Threads, "_set", lambda self, n: seen.append(n) or real_set(self, n))
    monkeypatch.setattr(products, "referenced", lambda: refs.append(real_ref()) or refs[-1])
    return seen, refs


def _lowered_once(seen, refs):
    """One thread from the first step on; back to 2 only when a step needed the reference
    plan (and then for good)."""
    return seen == ([1, 2] if any(refs) else [1])


def _wide_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 1024))
    Y = np.eye(3)[rng.integers(0, 3, 1024)].T
    return X, Y


def _fit(X, Y):
    net = nndl.Network([200, 128, 64, 3], output="softmax", seed=0)
    h = net.fit(X, Y, learning_rate=0.05, batch_size=128, epochs=2, optimizer="adam")
    return h.costs, net.params


def test_on_by_default_and_a_quiet_machine_leaves_the_blas_alone(monkeypatch):
    tpc = _threadpoolctl()
    assert threads.auto is (os.environ.get("NNDL_THREADS", "auto").strip().lower()
                            not in ("off", "0", "no", "false", "fixed"))
    _simulate_load(monkeypatch, others=0.1)  # nobody else busy
    X, Y = _wide_problem()
    calls = []
    monkeypatch.setattr(Threads, "_set", lambda self, n: calls.append(n))
    with tpc.threadpool_limits(2, user_api="blas"):
        _fit(X, Y)
    assert calls == []  # nothing timed, nothing switched


def test_off_fit_leaves_the_blas_alone(monkeypatch):
    tpc = _threadpoolctl()
    monkeypatch.setattr(threads, "auto", False)
    monkeypatch.setattr(LoadMonitor, "others", lambda self: 1.0)
    X, Y = _wide_problem()
    calls = []
    monkeypatch.setattr(Threads, "_set", lambda self, n: calls.append(n))
    with tpc.threadpool_limits(2, user_api="blas"):
        _fit(X, Y)
    assert calls == []


def test_a_fit_on_a_busy_machine_has_the_bits_of_a_quiet_one(monkeypatch):
    """float32 with 784 inputs: OpenBLAS cuts layer 1's K = 784 elsewhere with one thread
    than with two, so one thread alone changes the fit; under load (one thread from the
    first step on) nndl.products keeps the two threads' bits."""
    tpc = _threadpoolctl()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((784, 512)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 512)].T

    def fit():
        net = nndl.Network([784, 96, 10], output="softmax", dtype="float32", seed=0)
        h = net.fit(X, Y, learning_rate=0.05, batch_size=256, epochs=3)
        return h.costs, net.params

    monkeypatch.setattr(threads, "auto", False)
    with tpc.threadpool_limits(2, user_api="blas"):
        costs2, params2 = fit()
    with tpc.threadpool_limits(1, user_api="blas"):
        costs1, params1 = fit()
    assert not np.array_equal(params1["W1"], params2["W1"])  # the test means something here

    _simulate_load(monkeypatch, others=1.0)  # one core taken, of 2
    seen, refs = _watch(monkeypatch)
    with tpc.threadpool_limits(2, user_api="blas"):
        costs, params = fit()
    assert _lowered_once(seen, refs)
    assert costs == costs2
    for k in params2:
        np.testing.assert_array_equal(params[k], params2[k])


def test_switching_counts_at_every_step_is_clean(monkeypatch):
    """A count switched at every step gives the bits of the BLAS's own count (2) throughout."""
    tpc = _threadpoolctl()
    monkeypatch.setattr(threads, "auto", True)
    X, Y = _wide_problem()
    with tpc.threadpool_limits(2, user_api="blas"):
        monkeypatch.setattr(threads, "auto", False)
        costs1, params1 = _fit(X, Y)
        monkeypatch.setattr(threads, "auto", True)

    class EveryStep(Chooser):  # a new count at every step: 2, 1, 2, 1, ...
        def before_step(self):
            self.current = 1 if self.applied == 2 else 2
            self.set_threads(self.current)
            self.applied = self.current

    seen = []
    real_set = Threads._set
    monkeypatch.setattr(threads, "Chooser", EveryStep)
    monkeypatch.setattr(Threads, "_set", lambda self, n: seen.append(n) or real_set(self, n))
    with tpc.threadpool_limits(2, user_api="blas"):
        costs2, params2 = _fit(X, Y)
        assert {i["num_threads"] for i in tpc.threadpool_info()
                if i["user_api"] == "blas"} == {2}  # given back after fit
    assert set(seen[:16]) == {1, 2}
    assert costs2 == costs1
    for k in params1:
        np.testing.assert_array_equal(params2[k], params1[k])


def test_a_busy_machine_gets_one_thread_and_the_count_is_given_back(monkeypatch):
    tpc = _threadpoolctl()
    X, Y = _wide_problem()
    _simulate_load(monkeypatch, others=1.0)  # one core taken, of 2
    seen, refs = _watch(monkeypatch)
    with tpc.threadpool_limits(2, user_api="blas"):
        _fit(X, Y)
        assert {i["num_threads"] for i in tpc.threadpool_info()
                if i["user_api"] == "blas"} == {2}
    assert _lowered_once(seen, refs)  # one thread from the first measurement on


def test_blas_libraries_at_different_counts_are_left_alone(monkeypatch):
    class Lib:
        def __init__(self, n):
            self.num_threads = n

        def set_num_threads(self, n):  # pragma: no cover - must not be called
            raise AssertionError("set_num_threads called")

    monkeypatch.setattr(threads, "auto", True)
    monkeypatch.setattr(threads, "_libs", [Lib(1), Lib(2)])  # NumPy's at 1, MKL at 2
    t = Threads()
    assert t.chooser is None
    t.before_step(), t.after_step(5), t.finish()
    monkeypatch.setattr(threads, "_libs", [Lib(2), Lib(2)])
    assert Threads().chooser is not None


def test_nothing_happens_without_threadpoolctl_or_when_off(monkeypatch):
    monkeypatch.setattr(threads, "auto", True)
    monkeypatch.setattr(threads, "_libs", [])
    assert Threads().chooser is None
    monkeypatch.setattr(threads, "_libs", None)
    monkeypatch.setattr(threads, "auto", False)
    t = Threads()
    assert t.chooser is None
    t.before_step(), t.after_step(5), t.finish()  # no-ops


def test_the_dual_form_on_a_busy_machine_has_the_bits_of_a_quiet_one(monkeypatch):
    """The cat recipe's shape of problem (full batch, m < n[0]: layer 1 in the dual form,
    with X^T X and W1_init X) in both dtypes, one thread from the first step on."""
    tpc = _threadpoolctl()
    rng = np.random.default_rng(1)
    for dtype in ("float32", "float64"):
        X = rng.random((3000, 120)).astype(dtype)
        Y = (rng.random((1, 120)) > 0.5).astype(dtype)

        def fit():
            net = nndl.Network([3000, 20, 7, 1], dtype=dtype, seed=1)
            h = net.fit(X, Y, learning_rate=0.0075, iterations=40)
            return h.costs, net.params, net.layer1_state

        monkeypatch.setattr(threads, "auto", False)
        with tpc.threadpool_limits(2, user_api="blas"):
            costs2, params2, state = fit()
        assert state is not None  # the dual form trained layer 1
        with tpc.threadpool_limits(1, user_api="blas"):
            params1 = fit()[1]
        assert not np.array_equal(params1["W1"], params2["W1"])  # one thread alone differs
        _simulate_load(monkeypatch, others=1.0)
        seen, refs = _watch(monkeypatch)
        with tpc.threadpool_limits(2, user_api="blas"):
            costs, params, _ = fit()
        monkeypatch.undo()
        assert _lowered_once(seen, refs)
        assert costs == costs2
        for k in params2:
            np.testing.assert_array_equal(params[k], params2[k])


def test_a_fit_soon_after_a_busy_one_starts_on_the_threads_the_load_left(monkeypatch):
    """Repeated fits (a search, a cross-validation): the next one starts from the last
    measurement when it is recent (Threads.remember), not from all the BLAS's threads."""
    import time

    class Lib:
        def __init__(self):
            self.num_threads = 2

        def set_num_threads(self, n):
            self.num_threads = n

    monkeypatch.setattr(threads, "auto", True)
    monkeypatch.setattr(threads, "_libs", [Lib()])
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(threads, "_last_cap", (time.monotonic() - 5.0, 1))
    t = Threads()
    t.before_step()
    assert threads._libs[0].num_threads == 1
    assert products._reference == 2 and products._current == 1  # the bits of 2 threads
    t.finish()
    assert threads._libs[0].num_threads == 2 and products._reference == 0
    monkeypatch.setattr(threads, "_last_cap", (time.monotonic() - Threads.remember - 1, 1))
    t = Threads()
    t.before_step()
    assert threads._libs[0].num_threads == 2  # too old: the BLAS's own count
    t.finish()


def test_steps_whose_products_are_all_direct_skip_the_look_ups(monkeypatch):
    """Once a step with a given batch had only direct products at the lowered count, the
    next steps with that batch run plain products (nndl.products.suspend); steps with a
    product of another plan keep looking up; the bits stay those of the BLAS's own count."""
    tpc = _threadpoolctl()
    rng = np.random.default_rng(3)
    cases = {
        "direct": (rng.standard_normal((60, 256)), [60, 32, 1], 64),  # every K <= 256
        "blocks": (rng.standard_normal((784, 512)).astype(np.float32), [784, 128, 1], 256),
    }
    for name, (X, dims, batch) in cases.items():
        Y = (rng.random((1, X.shape[1])) > 0.5).astype(X.dtype)

        def fit():
            net = nndl.Network(dims, dtype=X.dtype, seed=0)
            h = net.fit(X, Y, learning_rate=0.05, batch_size=batch, epochs=4, shuffle=False)
            return h.costs, net.params

        monkeypatch.setattr(threads, "auto", False)
        with tpc.threadpool_limits(2, user_api="blas"):
            costs2, params2 = fit()
        if name == "blocks":  # one thread alone changes this fit
            with tpc.threadpool_limits(1, user_api="blas"):
                assert fit()[0] != costs2
        _simulate_load(monkeypatch, others=1.0)
        suspended = []
        real = products.suspend
        monkeypatch.setattr(products, "suspend", lambda: suspended.append(1) or real())
        with tpc.threadpool_limits(2, user_api="blas"):
            costs, params = fit()
        monkeypatch.undo()
        assert costs == costs2
        for k in params2:
            np.testing.assert_array_equal(params[k], params2[k])
        if name == "direct":
            assert len(suspended) >= 16 - 4  # all but the first few of the 16 steps
        else:
            assert suspended == []  # layer 1's K = 784 is cut into blocks at every step


def test_a_fit_that_fails_before_its_first_step_gives_the_count_back(monkeypatch):
    """The count a recent measurement allows is set before layer 1's set-up: a failure
    between then and the first step (here a callback's on_train_begin) still gives the BLAS
    its own count back, and matmul is plain again."""
    import time

    from nndl.callbacks import Callback

    class Lib:
        def __init__(self):
            self.num_threads = 2

        def set_num_threads(self, n):
            self.num_threads = n

    class Boom(Callback):
        def on_train_begin(self, net, total):
            assert threads._libs[0].num_threads == 1 and products.lowered()
            raise RuntimeError("boom")

    monkeypatch.setattr(threads, "auto", True)
    monkeypatch.setattr(threads, "_libs", [Lib()])
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(threads, "_last_cap", (time.monotonic(), 1))
    X, Y = _wide_problem()
    net = nndl.Network([200, 8, 3], output="softmax", seed=0)
    with pytest.raises(RuntimeError, match="boom"):
        net.fit(X, Y, learning_rate=0.05, batch_size=128, epochs=1, callbacks=[Boom()])
    assert threads._libs[0].num_threads == 2 and not products.lowered()


@pytest.mark.parametrize("needs_reference", ["every step", "the last batch only"])
def test_a_count_whose_steps_need_the_reference_plan_is_left_for_the_fit(monkeypatch,
                                                                         needs_reference):
    """A step whose product needs the BLAS's own count (the reference plan) to keep its bits
    would run it beside the load anyway, and switch twice for it: after such a step of the
    usual batch size the fit goes back to the BLAS's own count for good, with the same bits.
    (A plan is forced here; with OpenBLAS's Haswell kernels most float32 products have it.)
    The last, smaller batch of an epoch needing it does not count."""
    tpc = _threadpoolctl()
    X, Y = _wide_problem()  # m = 1024, batches of 128: the last one is full, so use 100
    X, Y = X[:, :1000], Y[:, :1000]
    last = 1000 % 128
    real_find = products._find_plan

    def find(A, B):
        if (needs_reference == "every step" and A.shape == (128, 200)) or (
                needs_reference != "every step" and B.ndim == 2 and B.shape[1] == last
                and A.shape == (128, 200)):
            return "reference"
        return real_find(A, B)

    with tpc.threadpool_limits(2, user_api="blas"):
        monkeypatch.setattr(threads, "auto", False)
        costs2, params2 = _fit(X, Y)
    _simulate_load(monkeypatch, others=1.0)
    monkeypatch.setattr(products, "_find_plan", find)
    products.forget()
    seen, refs = _watch(monkeypatch)
    lowered_steps = []
    real_after = Threads.after_step
    monkeypatch.setattr(Threads, "after_step", lambda self, size: lowered_steps.append(
        products.lowered()) or real_after(self, size))
    with tpc.threadpool_limits(2, user_api="blas"):
        costs, params = _fit(X, Y)
    products.forget()
    assert any(refs)  # the forced plan was met
    if needs_reference == "every step":
        # measured after the first step: one step at one thread, then 2 for good
        assert seen == [1, 2] and lowered_steps[:3] == [False, True, False]
        assert sum(lowered_steps) == 1
    else:
        # 16 steps (2 of them the last batch), one thread from the second on; a step on the
        # usual batch right after the last one is not blamed for it
        assert seen == [1] and lowered_steps == [False] + [True] * 15
    assert costs == costs2
    for k in params2:
        np.testing.assert_array_equal(params[k], params2[k])


def test_fast_mode_lowers_the_count_without_the_plans(monkeypatch):
    """nndl.threads.exact = False (NNDL_THREADS=fast): under load the count drops and stays
    down, the products run as the BLAS computes them at that count (no plan looked up, none
    run at the BLAS's own count), even where a product would need the reference plan."""
    tpc = _threadpoolctl()
    X, Y = _wide_problem()
    _simulate_load(monkeypatch, others=1.0)
    monkeypatch.setattr(threads, "exact", False)
    monkeypatch.setattr(products, "_find_plan", lambda A, B: "reference")  # never asked
    products.forget()
    seen, refs = _watch(monkeypatch)
    lowered = []
    real_after = Threads.after_step
    monkeypatch.setattr(Threads, "after_step", lambda self, size: lowered.append(
        (products.lowered(), tuple(lib.num_threads for lib in self.libs)))
        or real_after(self, size))
    with tpc.threadpool_limits(2, user_api="blas"):
        _fit(X, Y)
        assert {i["num_threads"] for i in tpc.threadpool_info()
                if i["user_api"] == "blas"} == {2}  # given back
    assert seen == [1] and refs == [] and products._plans == {}
    assert lowered[0][1][0] == 2 and all(not low and n[0] == 1 for low, n in lowered[1:])


def test_the_environment_sets_the_mode(tmp_path):
    import subprocess
    import sys
    code = "import nndl.threads as t; print(t.auto, t.exact)"
    out = {}
    for mode in ("", "auto", "off", "fast", "FAST "):
        env = dict(os.environ, NNDL_THREADS=mode) if mode else {
            k: v for k, v in os.environ.items() if k != "NNDL_THREADS"}
        out[mode] = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                   text=True, check=True).stdout.split()
    assert out == {"": ["True", "True"], "auto": ["True", "True"], "off": ["False", "True"],
                   "fast": ["True", "False"], "FAST ": ["True", "False"]}
