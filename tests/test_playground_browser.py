"""The playground end to end in a real headless Chromium (Debian's ``chromium``, driven by
Playwright): the page loads cleanly, play trains, the boundary is drawn, data sets and layers
change, the exported model predicts exactly as the page's, an uploaded CSV trains and a broken
one shows a message (issue 13).

Screenshots are written to ``$NNDL_TEST_ARTIFACTS/playground`` (or a temporary folder, printed
at the end of the run) as the tests' artifacts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from .playground_helpers import grid_inputs, need, separable_csv
from .test_cli import env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 60_000
"""How long a wait for the page may last before the test fails (not a speed requirement)."""

need("starlette", "the playground's web server")
uvicorn = need("uvicorn", "the playground's web server")
need("playwright", "the browser tests drive Chromium with Playwright")
if not os.access(CHROMIUM, os.X_OK):
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs Debian's chromium)",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)",
                allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

import nndl  # noqa: E402
from nndl.playground import create_app  # noqa: E402


@pytest.fixture(scope="module")
def server():
    """The playground on a free port of 127.0.0.1, in this process (a thread)."""
    from nndl.datasets import default_cat_dir

    app = create_app(cat_dir=str(default_cat_dir()), allowed_hosts=["127.0.0.1", "localhost"])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    ready = threading.Event()
    for _ in range(600):
        if srv.started:
            break
        ready.wait(0.05)
    assert srv.started, "the playground's server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    base = os.environ.get("NNDL_TEST_ARTIFACTS")
    folder = Path(base) / "playground" if base else tmp_path_factory.mktemp("playground")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nplayground screenshots: {folder}")


class Page:
    """A tab on the playground, with its console errors collected."""

    def __init__(self, browser, url: str) -> None:
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900},
                                       accept_downloads=True)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)

    def __getitem__(self, testid: str):
        return self.page.get_by_test_id(testid)

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def wait(self, expression: str) -> None:
        self.page.wait_for_function(expression, timeout=WAIT_MS)

    def number(self, testid: str) -> float:
        return float(self[testid].text_content())

    def play_until(self, condition: str) -> None:
        """Play until ``condition`` (JS, on ``window.playground.snapshot`` as ``s``) holds,
        then pause and wait for the page to show the paused model's final state."""
        self["play"].click()
        self.wait(f"(() => {{ const s = window.playground.snapshot; return {condition}; }})()")
        self["play"].click()
        self.settled()

    def settled(self) -> None:
        """Wait until the server stopped training and the page drew its last state."""
        self.wait("window.playground.snapshot.playing === false")
        sid = self.js("window.playground.id")
        ask = (f"fetch('/api/session/{sid}/inspect', {{method: 'POST', headers: "
               "{'Content-Type': 'application/json'}, body: JSON.stringify({layer: "
               "window.playground.snapshot.equations.layer})}).then(r => r.json())"
               ".then(s => [s.iteration, s.playing])")
        for _ in range(WAIT_MS // 100):
            iteration, playing = self.js(ask)
            if not playing and iteration == self.js("window.playground.snapshot.iteration"):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("the page did not settle on the server's state")

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture()
def tab(browser, server):
    pages: list[Page] = []

    def open_tab(path: str = "/") -> Page:
        p = Page(browser, server + path)
        pages.append(p)
        return p

    yield open_tab
    for p in pages:
        p.close()


def test_the_page_loads_with_no_console_error(tab, shots):
    p = tab()
    assert p.number("iteration") == 0
    assert 0.5 < p.number("train-loss") < 1.0 and 0.5 < p.number("test-loss") < 1.0
    assert p["dataset"].input_value() == "circle"
    p.page.screenshot(path=str(shots / "loaded.png"))
    assert p.errors == []
    origin = p.page.url.split("/?")[0].rstrip("/")
    outside = [u for u in p.requests if not u.startswith(origin + "/")]
    assert outside == []  # the page fetches nothing from the internet
    assert any(u.endswith("/stream") for u in p.requests)


def test_play_makes_the_iteration_climb_and_the_train_loss_fall(tab, shots):
    p = tab()
    loss0 = p.number("train-loss")
    its = []
    p.page.expose_function("seen", lambda i: its.append(i))
    p.js("(() => { const t = document.querySelector('[data-testid=\"iteration\"]');"
         "new MutationObserver(() => window.seen(Number(t.textContent)))"
         ".observe(t, {childList: true}); })()")
    p.play_until(f"s.iteration >= 600 && s.train_loss < {0.5 * loss0}")
    assert p.number("iteration") >= 600
    assert p.number("train-loss") < 0.5 * loss0
    assert p.number("test-loss") < 0.5 * loss0
    assert len(its) >= 10 and its == sorted(its)  # the counter climbs, update by update
    p.page.screenshot(path=str(shots / "trained.png"))
    assert p.errors == []


def boundary_colours(p: Page) -> dict:
    """How many pixels of the heat map are orange-ish, blue-ish, and how many colours."""
    return p.js("""(() => {
        const c = document.querySelector('[data-testid="boundary"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let orange = 0, blue = 0; const seen = new Set();
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] > 200 && d[i + 2] < 120) orange++;
            if (d[i + 2] > 150 && d[i] < 120) blue++;
            seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        }
        return {orange, blue, colours: seen.size};
    })()""")


def test_the_boundary_is_drawn_under_the_points(tab, shots):
    p = tab("/?dataset=circle&lr=0.3&discretize=1")
    p.play_until("s.iteration >= 400 && s.train_loss < 0.3")
    c = boundary_colours(p)
    assert c["orange"] > 1000 and c["blue"] > 1000, c
    p["discretize"].uncheck()
    assert boundary_colours(p)["colours"] > 50
    p["boundary"].screenshot(path=str(shots / "boundary.png"))
    assert p.errors == []


def test_changing_the_data_set_and_the_layers(tab, shots):
    p = tab()
    # the page's settings (and URL) change when the server's answer comes: wait for those
    p["dataset"].select_option("xor")
    p.wait("window.playground.config.dataset === 'xor'")
    assert "dataset=xor" in p.page.url
    p["add-layer"].click()
    p.wait("window.playground.config.layers === '4,2,2'")
    assert p.js("window.playground.snapshot.layer_dims") == [2, 4, 2, 2, 1]
    assert p.page.locator('[data-testid^="unit-3-"]').count() == 2
    for _ in range(3):  # quick clicks all count
        p["remove-layer"].click()
    p.wait("window.playground.config.layers === ''")
    assert "layers=&" in p.page.url
    assert p.js("window.playground.snapshot.layer_dims") == [2, 1]
    p["add-layer"].click()
    p.wait("window.playground.config.layers === '4'")
    p.page.locator('[data-testid="add-unit-1"]').click()
    p.wait("window.playground.config.layers === '5'")
    p.page.locator('[data-testid="feature-x1x2"]').click()
    p.wait("window.playground.config.features === 'x1,x2,x1x2'")
    assert p.js("window.playground.snapshot.layer_dims") == [3, 5, 1]
    p["learning-rate"].select_option("0.3")
    p.wait("window.playground.config.lr === '0.3'")
    p.play_until("s.iteration >= 400 && s.train_loss < 0.25")
    assert p.number("train-loss") < 0.3
    p.page.screenshot(path=str(shots / "xor.png"))
    assert p.errors == []


def test_a_link_reproduces_the_run(tab):
    url = "/?dataset=spiral&layers=6,6&seed=5&lr=0.03&features=x1,x2,sinx1,sinx2&batch=5"
    a, b = tab(url), tab(url)
    assert a.js("window.playground.id") != b.js("window.playground.id")  # one session a tab
    for p in (a, b):
        assert p["dataset"].input_value() == "spiral"
        assert p.js("window.playground.snapshot.layer_dims") == [4, 6, 6, 1]
        for _ in range(3):
            p["step"].click()
        p.wait("window.playground.snapshot.epoch === 3")
    assert a.js("window.playground.snapshot.boundary") == \
        b.js("window.playground.snapshot.boundary")
    assert a["train-loss"].text_content() == b["train-loss"].text_content()


def test_the_exported_model_predicts_exactly_as_the_page(tab, tmp_path):
    p = tab("/?dataset=gauss&layers=5,3&activation=relu&init=he&features=x1,x2,x1sq")
    p.play_until("s.iteration >= 200")
    with p.page.expect_download() as d:
        p["export-model"].click()
    d.value.save_as(tmp_path / "model.npz")
    net = nndl.load(tmp_path / "model.npz")
    snap = p.js("window.playground.snapshot")
    assert net.iterations_done == snap["iteration"]
    page_output = np.array(snap["boundary"], dtype=np.float64)
    assert np.array_equal(net.forward(grid_inputs(snap["features"]))[0], page_output)

    with p.page.expect_download() as d:
        p["export-code"].click()
    d.value.save_as(tmp_path / "run.py")
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env(),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    again = nndl.load(tmp_path / "playground-model.npz")
    assert all(np.array_equal(again.params[k], net.params[k]) for k in net.params)
    assert p.errors == []


def test_an_uploaded_csv_trains(tab, tmp_path, shots):
    (tmp_path / "people.csv").write_bytes(separable_csv(200))
    p = tab()
    p["upload"].set_input_files(str(tmp_path / "people.csv"))
    p.wait("window.playground.config.dataset === 'csv'")
    assert p["csv-label"].input_value() == "kind"
    assert p["message"].is_hidden()
    loss0 = p.number("train-loss")
    p["learning-rate"].select_option("0.3")
    p.wait("window.playground.config.lr === '0.3'")
    p.play_until("s.iteration >= 300")
    assert p.number("train-loss") < 0.6 * loss0
    p.page.screenshot(path=str(shots / "csv.png"))
    assert p.errors == []


def test_column_names_with_a_comma_or_none_can_be_chosen(tab, tmp_path):
    """The page joined the chosen columns with commas: a name 'a,1' or an empty one (pandas'
    unnamed index column) made every later choice refused."""
    rows = "".join(f"{i},{i % 7},{i * 3 % 5},{'ab'[i % 2]}\n" for i in range(60))
    (tmp_path / "index.csv").write_text(',"a,1",b,label\n' + rows)
    p = tab()
    p["upload"].set_input_files(str(tmp_path / "index.csv"))
    p.wait("window.playground.config.dataset === 'csv'")
    assert p.js("window.playground.config.columns") == "a%2C1,b,label"  # (not the index)
    p["csv-x"].select_option("")
    p.wait("window.playground.config.columns === ',b,label'")
    p["csv-y"].select_option("a,1")
    p.wait("window.playground.config.columns === ',a%2C1,label'")
    assert p["csv-y"].input_value() == "a,1" and p["csv-x"].input_value() == ""
    assert p.js("[...document.querySelectorAll('[data-testid=csv-y] option')].length") == 4
    assert p["message"].is_hidden() and p.errors == []


def test_a_broken_csv_shows_a_message(tab, tmp_path, shots):
    (tmp_path / "broken.csv").write_bytes(b"name,city\nann,paris\nbob,rome\n")
    (tmp_path / "words.csv").write_bytes(b"x,y,label\n1,2,a\nfoo,4,b\n5,6,a\n7,8,b\n")
    p = tab()
    p["upload"].set_input_files(str(tmp_path / "broken.csv"))
    p.wait("!document.querySelector('[data-testid=\"message\"]').hidden")
    assert "broken.csv" in p["message"].text_content()
    assert "two numeric columns" in p["message"].text_content()
    p["upload"].set_input_files(str(tmp_path / "words.csv"))
    p.wait("document.querySelector('[data-testid=\"message\"]').textContent"
           ".includes('words.csv')")
    p.page.screenshot(path=str(shots / "broken-csv.png"))
    # the page and its server go on
    assert p.js("window.playground.config.dataset") == "circle"
    p["step"].click()
    p.wait("window.playground.snapshot.epoch === 1")
    console = [e for e in p.errors if "400" not in e]  # the refused upload's HTTP status
    assert console == []


def test_the_equations_follow_the_selected_layer(tab):
    p = tab("/?layers=4,3")
    p.page.select_option('[data-testid="eq-layer"]', "2")
    p.wait("window.playground.snapshot.equations.layer === 2")
    text = p["equations"].text_content()
    assert "Z[2] = W[2] A[1] + b[2]" in text and "(3, 200) = (3, 4) (4, 200) + (3, 1)" in text
    assert "dW[2]" in text and "db[2]" in text


def test_a_learning_rate_too_large_shows_nndls_message(tab, shots):
    p = tab()
    p["preset"].select_option("lr-too-large")
    p.wait("window.playground.config.lr === '3.0'")
    p["play"].click()
    p.wait("!document.querySelector('[data-testid=\"message\"]').hidden")
    assert "diverged" in p["message"].text_content()
    p.page.screenshot(path=str(shots / "diverged.png"))
    assert p.errors == []


def test_the_cat_page_trains_the_notes_network(tab, shots, cat_data):
    p = tab("/cat")
    p["play"].click()
    p.wait("window.catPlayground.snapshot.iteration >= 200")
    p["play"].click()
    p.wait("window.catPlayground.snapshot.playing === false")
    assert 0.5 < float(p["train-accuracy"].text_content()) <= 1
    p.wait("document.querySelectorAll('[data-testid=\"mislabeled\"] canvas').length > 0")
    p.page.screenshot(path=str(shots / "cat.png"))
    assert p.errors == []
