"""The playground's server (issue 13): its JSON API, the server-sent-events stream, sessions
per tab, uploads, exports, the notes' lessons as presets, and flat memory; through Starlette's
TestClient (no browser; the browser tests are test_playground_browser.py)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

from .playground_helpers import grid_inputs, need, separable_csv
from .test_cli import env, fails

need("starlette", "the playground's web server")
need("httpx", "Starlette's TestClient")

with warnings.catch_warnings():  # starlette's note that httpx2 will replace httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import nndl  # noqa: E402
from nndl.errors import NNDLError  # noqa: E402
from nndl.playground import create_app  # noqa: E402
from nndl.playground.config import MAX_UNITS, Config  # noqa: E402
from nndl.playground.render import GRID  # noqa: E402
from nndl.playground.store import Store  # noqa: E402
from nndl.playground.session import MAX_SERIES, Session  # noqa: E402


@pytest.fixture()
def client():
    with TestClient(create_app()) as c:
        yield c


def new(client, **settings) -> tuple[str, dict]:
    r = client.post("/api/session", json={"settings": settings})
    assert r.status_code == 200, r.text
    return r.json()["id"], r.json()["snapshot"]


def post(client, sid, what, body=None, status=200):
    r = client.post(f"/api/session/{sid}/{what}", json=body if body is not None else {})
    assert r.status_code == status, r.text
    return r.json()


def events(client, path: str, n: int) -> list[dict]:
    r = client.get(path, params={"limit": n})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    out = [json.loads(line[len("data: "):]) for line in r.text.splitlines()
           if line.startswith("data: ")]
    assert len(out) == n
    return out


# --- the page and the session ----------------------------------------------------------------
def test_the_page_and_its_assets_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200
    for testid in ("play", "step", "reset", "dataset", "learning-rate", "add-layer",
                   "remove-layer", "iteration", "train-loss", "test-loss", "boundary",
                   "export-model", "export-code"):
        assert f'data-testid="{testid}"' in page.text, testid
    for asset in ("app.js", "common.js", "style.css", "cat.html"):
        assert client.get(f"/static/{asset}").status_code == 200
    assert "http" not in client.get("/static/app.js").text.replace("http://www.w3.org", "")
    assert client.get("/static/../server.py").status_code == 404
    assert client.get("/static/%2e%2e/server.py").status_code == 404


def test_a_new_session_describes_the_untrained_network(client):
    sid, s = new(client, dataset="xor", layers="3,2", features="x1,x2,x1x2")
    assert s["iteration"] == 0 and s["epoch"] == 0
    assert s["layer_dims"] == [3, 3, 2, 1]
    assert len(s["boundary"]) == GRID * GRID
    assert [len(u) for u in s["units"]] == [3, 2]
    assert len(s["inputs"]) == 3
    assert [np.shape(w["W"]) for w in s["weights"]] == [(3, 3), (2, 3), (1, 2)]
    assert s["config"]["dataset"] == "xor" and s["config"]["layers"] == "3,2"
    assert len(s["points"]["train"][0]) + len(s["points"]["test"][0]) == 400
    assert 0.5 < s["train_loss"] < 1.0  # about log 2 before training


def test_step_is_one_epoch_of_mini_batches_through_network_fit(client):
    sid, s0 = new(client, batch=10, ratio=0.5, points=400)
    s1 = post(client, sid, "step")
    assert (s1["iteration"], s1["epoch"]) == (20, 1)  # 200 training points / 10
    s2 = post(client, sid, "step")
    assert (s2["iteration"], s2["epoch"]) == (40, 2)
    assert s2["boundary"] != s0["boundary"]


def test_the_stream_sends_each_epoch_while_playing_and_the_loss_falls(client):
    sid, s0 = new(client, dataset="circle", lr=0.3)
    assert post(client, sid, "play", {"playing": True}) == {"playing": True}
    snaps = events(client, f"/api/session/{sid}/stream", 30)
    its = [s["iteration"] for s in snaps]
    assert its == sorted(its) and its[-1] >= 29 * 20
    assert snaps[-1]["train_loss"] < 0.5 * s0["train_loss"]
    assert snaps[-1]["test_loss"] < 0.5 * s0["test_loss"]
    post(client, sid, "play", {"playing": False})
    last = events(client, f"/api/session/{sid}/stream", 1)[0]
    assert last["playing"] is False


def test_a_long_epoch_streams_snapshots_within_it_and_trains_the_same(client):
    app = create_app()
    with TestClient(app) as c:
        sid, _ = new(c, points=400, batch=1)  # 200 updates an epoch
        s = app.state.sessions.get(sid)
        s.frame_seconds = 0.0  # a snapshot after every update
        post(c, sid, "play", {"playing": True})
        snaps = events(c, f"/api/session/{sid}/stream", 30)
        post(c, sid, "play", {"playing": False})
    within = [x["iteration"] for x in snaps if x["live"]]
    assert within and any(i % 200 for i in within)
    assert within == sorted(within)
    # taking snapshots during fit changes nothing in the training
    a, b = Session(Config(batch=7, keep=0.8)), Session(Config(batch=7, keep=0.8))
    a.frame_seconds = 0.0
    for _ in range(3):
        a.play_epoch()
        b.train_epoch()
    assert len(a.drain()) > 0 and not b.frames
    assert all(np.array_equal(a.net.params[k], b.net.params[k]) for k in a.net.params)


def test_the_same_settings_give_the_same_run(client):
    a, _ = new(client, dataset="spiral", seed=7, keep=0.9, layers="6,6")
    b, _ = new(client, dataset="spiral", seed=7, keep=0.9, layers="6,6")
    c, _ = new(client, dataset="spiral", seed=8, keep=0.9, layers="6,6")
    for sid in (a, b, c):
        post(client, sid, "step")
    sa, sb, sc = (post(client, s, "step") for s in (a, b, c))
    assert sa["boundary"] == sb["boundary"]
    assert sa["boundary"] != sc["boundary"]


def test_each_tab_has_its_own_session(client):
    a, _ = new(client)
    b, _ = new(client)
    assert a != b
    post(client, a, "step")
    assert post(client, b, "reset")["iteration"] == 0
    assert post(client, a, "step")["iteration"] == 40
    r = client.post("/api/session/not-a-session/step", json={})
    assert r.status_code == 404 and "reload the page" in r.json()["error"]


def test_training_settings_go_on_and_others_start_afresh(client):
    sid, _ = new(client)
    post(client, sid, "step")
    cfg = post(client, sid, "step")
    assert cfg["iteration"] == 40
    settings = client.post(f"/api/session/{sid}/reset", json={}).json()["config"]
    post(client, sid, "step")
    s = post(client, sid, "settings", {"settings": {**settings, "lr": "0.03", "l2": "0.01"}})
    assert s["iteration"] == 20 and s["mixed"] is True
    s = post(client, sid, "settings", {"settings": {**settings, "layers": "5"}})
    assert s["iteration"] == 0 and s["layer_dims"] == [2, 5, 1]


@pytest.mark.parametrize("bad, words", [
    ({"layers": f"{MAX_UNITS + 1}"}, "units of a hidden layer"),
    ({"layers": ",".join(["2"] * 9)}, "at most 8 hidden layers"),
    ({"dataset": "mnist"}, "unknown data set"),
    ({"lr": "-1"}, "learning rate"),
    ({"lr": "fast"}, "must be a number"),
    ({"features": "x3"}, "unknown feature"),
    ({"features": ""}, "at least one input feature"),
    ({"points": "100000000"}, "points"),
    ({"colour": "red"}, "unknown setting"),
])
def test_bad_settings_are_a_message_and_the_run_goes_on(client, bad, words):
    r = client.post("/api/session", json={"settings": bad})
    assert r.status_code == 400 and words in r.json()["error"], r.text
    sid, _ = new(client)
    r = client.post(f"/api/session/{sid}/settings", json={"settings": bad})
    assert r.status_code == 400 and words in r.json()["error"]
    assert post(client, sid, "step")["iteration"] == 20


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
def test_other_sites_pages_cannot_drive_a_session(client, kind):
    """Only JSON (or CSV) bodies: the content types a foreign page may send without a CORS
    preflight are refused."""
    sid, _ = new(client)
    headers = {"content-type": kind} if kind else {}
    for what in ("play", "step", "upload"):
        r = client.post(f"/api/session/{sid}/{what}", content=b"{}", headers=headers)
        assert r.status_code == 415 and "content type" in r.json()["error"]
    assert post(client, sid, "step")["iteration"] == 20  # the refused steps did nothing


def test_the_page_answers_to_its_own_names_only():
    app = create_app(allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"host": "evil.example:8000"}).status_code == 400


def test_a_body_that_is_not_json_is_a_message(client):
    r = client.post("/api/session", content=b"\xff\x00", headers={"content-type":
                                                                    "application/json"})
    assert r.status_code == 400 and "JSON object" in r.json()["error"]


def test_the_equations_show_the_selected_layer_with_current_shapes(client):
    sid, s = new(client, layers="4,3")
    assert s["equations"]["layer"] == 1 and s["equations"]["W"]["shape"] == [4, 2]
    e = post(client, sid, "inspect", {"layer": 2})["equations"]
    assert e["layer"] == 2 and e["g"] == "tanh" and e["m"] == 200
    assert e["W"]["shape"] == [3, 4] and e["A_prev"]["shape"] == [4, 200]
    assert e["Z"]["shape"] == [3, 200] and e["dW"]["shape"] == [3, 4]
    assert e["db"]["shape"] == [3, 1]


def test_a_regression_trains_and_its_heat_map_spans_the_targets(client):
    sid, s0 = new(client, dataset="gaussian", layers="8,8", lr=0.03, activation="tanh")
    assert s0["problem"] == "regression" and s0["layer_dims"][-1] == 1
    lo, hi = s0["range"]
    assert lo == -hi and hi > 0.5
    for _ in range(40):
        s = post(client, sid, "step")
    assert s["train_loss"] < 0.5 * s0["train_loss"]


# --- uploads ---------------------------------------------------------------------------------
def upload(client, sid, content: bytes, name="data.csv"):
    return client.post(f"/api/session/{sid}/upload", content=content,
                       headers={"content-type": "text/csv", "x-filename": name})


def test_an_uploaded_csv_trains(client):
    sid, _ = new(client)
    r = upload(client, sid, separable_csv())
    assert r.status_code == 200, r.text
    assert r.json()["columns"] == ["height", "weight", "noise", "kind"]
    s = r.json()["snapshot"]
    assert s["config"]["dataset"] == "csv"
    assert s["config"]["columns"] == "height,weight,kind"
    assert s["data_name"] == "data.csv"
    xs = np.array(s["points"]["train"][0] + s["points"]["test"][0])
    assert -5.0001 <= xs.min() and xs.max() <= 5.0001  # mapped onto the plane
    post(client, sid, "settings", {"settings": {**s["config"], "lr": "0.3"}})
    for _ in range(30):
        last = post(client, sid, "step")
    assert last["train_loss"] < 0.5 * s["train_loss"]
    cols = post(client, sid, "settings", {"settings": {**s["config"],
                                                       "columns": "weight,noise,kind"}})
    assert cols["config"]["columns"] == "weight,noise,kind" and cols["iteration"] == 0


@pytest.mark.parametrize("names, written", [
    (["a,1", "b", "label"], "a%2C1,b,label"),  # a name with the list's comma
    (["", "b", "label"], ",b,label"),  # pandas' unnamed index column
    (["100%", "50%2C", "label"], "100%25,50%252C,label")])
def test_column_names_with_commas_or_none_travel_whole(client, names, written):
    """The columns went to the page joined by commas and came back split: a name 'a,1' was
    two names and an empty one none, so every later change of settings (and the page's URL)
    was refused ("columns must name x1, x2 and the label")."""
    from nndl.playground.config import Config

    assert Config.from_query({"dataset": "csv", "columns": written}).columns == names
    rows = "".join(f"{i % 7},{i * 3 % 5},{'ab'[i % 2]}\n" for i in range(40))
    head = ",".join('"' + n + '"' if "," in n else n for n in names)
    sid, _ = new(client)
    r = upload(client, sid, (head + "\n" + rows).encode())
    assert r.status_code == 200, r.text
    s = r.json()["snapshot"]
    assert r.json()["columns"] == names and s["config"]["columns"] == written
    changed = post(client, sid, "settings", {"settings": {**s["config"], "lr": "0.3"}})
    assert changed["config"]["columns"] == written and changed["config"]["lr"] == "0.3"
    swapped = ",".join([written.split(",")[1], written.split(",")[0], "label"])
    changed = post(client, sid, "settings", {"settings": {**s["config"], "columns": swapped}})
    assert changed["config"]["columns"] == swapped and changed["iteration"] == 0


def test_an_uploaded_csv_of_three_classes_trains_a_softmax(client, tmp_path):
    rng = np.random.RandomState(3)
    X = rng.uniform(-1, 1, size=(150, 2))
    kind = np.where(X[:, 0] < -0.3, "setosa", np.where(X[:, 1] > 0, "versicolor", "virginica"))
    text = "a,b,species\n" + "".join(f"{x:.4f},{y:.4f},{k}\n" for (x, y), k in zip(X, kind))
    sid, _ = new(client)
    r = upload(client, sid, text.encode(), name="flowers.csv")
    assert r.status_code == 200, r.text
    s0 = r.json()["snapshot"]
    assert s0["layer_dims"][-1] == 3 and s0["classes"] == ["setosa", "versicolor", "virginica"]
    assert s0["range"] == [0.0, 2.0] and set(s0["boundary"]) <= {0.0, 1.0, 2.0}
    assert len(s0["confidence"]) == GRID * GRID
    post(client, sid, "settings", {"settings": {**s0["config"], "lr": "0.3"}})
    for _ in range(40):
        s = post(client, sid, "step")
    assert s["train_loss"] < 0.5 * s0["train_loss"]
    (tmp_path / "page.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    net, meta = nndl.io.read(tmp_path / "page.npz")
    assert net.output == "softmax" and net.classes == ["setosa", "versicolor", "virginica"]
    # the model takes the file's values: the plane map is its preprocessing, its inputs named
    info = meta["info"]
    assert info["feature_names"] == ["a", "b"] and info["label_name"] == "species"
    assert net.preprocessing.mean.ravel().tolist() == info["playground"]["center"]
    assert net.preprocessing.std.ravel().tolist() == info["playground"]["scale"]
    net.preprocessing = None  # the network alone, on the plane's grid
    A = net.forward(grid_inputs(s["features"]))
    assert np.array_equal(A.argmax(axis=0), np.array(s["boundary"]))
    (tmp_path / "flowers.csv").write_text(text)
    out = subprocess.run([sys.executable, "-m", "nndl", "evaluate", "--model", "page.npz",
                          "--data", "flowers.csv"], cwd=tmp_path, env=env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr  # the page's model, on the file it was trained on
    got = float(out.stdout.split("accuracy")[1].split()[0])
    assert got > 0.8  # was 0.245 when the raw values were read as plane coordinates
    (tmp_path / "run.py").write_text(client.get(f"/api/session/{sid}/code.py").text)
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    again = nndl.load(tmp_path / "playground-model.npz")
    assert all(np.array_equal(again.params[k], net.params[k]) for k in net.params)
    post(client, sid, "settings", {"settings": {**s0["config"], "features": "x1,x1sq"}})
    (tmp_path / "sq.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    bad = subprocess.run([sys.executable, "-m", "nndl", "evaluate", "--model", "sq.npz",
                          "--data", "flowers.csv"], cwd=tmp_path, env=env(),
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "lacks" in bad.stderr and "x1² (plane)" in bad.stderr, \
        bad.stderr  # (inputs x1 and x1² of the plane: the file's a, b are not fed to them)
    post(client, sid, "settings", {"settings": {**s0["config"], "features": "x2"}})
    (tmp_path / "b.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    net_b, meta_b = nndl.io.read(tmp_path / "b.npz")  # x2 alone: the file's column b, mapped
    assert meta_b["info"]["feature_names"] == ["b"] and net_b.layer_dims[0] == 1
    assert net_b.preprocessing.mean.ravel().tolist() == [info["playground"]["center"][1]]


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"\x00\x01\x02garbage\xff\xfe", "CSV"),
    (b"a,b\n1,2\n3,4\n", "two numeric columns and a label"),
    (b"x,y,label\n1,2,a\nfoo,2,b\n5,6,a\n7,8,b\n", "'foo' (choose other columns)"),
    (b"x,y,label\n" + b"".join(b"%d,%d,c%d\n" % (i, i % 3, i) for i in range(9)),
     "9 classes"),
    (b"x,y,label\n1,2,a\n3,,b\n5,6,c\n", "missing values: fill them in, or drop those rows "
                                         "from the file"),
    (b"x,y,label\n1,2,a\n3,4,b\n5,6,c\n7,8,c\n", "cannot be split 50% for training"),
    (gzip.compress(b"x,y,label\n1,2,a\n3,4,b\n"), "gzip-compressed"),
])
def test_a_broken_csv_is_a_message_and_the_session_goes_on(client, content, words):
    sid, s = new(client)
    r = upload(client, sid, content)
    assert r.status_code == 400, r.text
    assert words.lower() in r.json()["error"].lower(), r.json()["error"]
    after = post(client, sid, "step")
    assert after["iteration"] == 20 and after["layer_dims"] == s["layer_dims"]


@pytest.mark.parametrize("head, rows, start", [
    ("species,a,b", ["setosa,1.5,2", "virginica,4.5,1", "setosa,1.2,2.5", "virginica,5,0.5"],
     "a,b,species"),  # the label first: the file was refused and could not be used
    (",a,b,label", ["0,1.5,2,x", "1,4.5,1,y", "2,1.2,2.5,x", "3,5,0.5,y"], "a,b,label"),
    ("Unnamed: 0,a,b,label", ["0,1.5,2,x", "1,4.5,1,y", "2,1.2,2.5,x", "3,5,0.5,y"],
     "a,b,label"),  # pandas' index column, unnamed or named so by read_csv
    ("id,a,name,b", ["0,1.5,ann,x", "1,4.5,bob,y", "2,1.2,cy,x", "3,5,dee,y"], "id,a,b"),
    # the last column stays the label when it trains: a text feature is no label (the
    # review found 'city' taken as the label, and a 'name' column refusing the file)
    ("x1,x2,city,bought", ["1.5,2,rome,0", "4.5,1,oslo,1", "1.2,2.5,rome,0", "5,0.5,oslo,1"],
     "x1,x2,bought"),
    ("x1,x2,name,bought", [f"{i % 5}.5,{i % 3},p{i},{i % 2}" for i in range(4)],
     "x1,x2,bought"),
    ("notes,x,y,label", [",1.5,2,a", ",4.5,1,b", ",1.2,2.5,a", ",5,0.5,b"], "x,y,label"),
])
def test_an_upload_starts_on_its_columns_of_numbers_and_a_label(client, head, rows, start):
    """The page started on the first two columns and the last: a file whose label column
    is not the last (iris' species first) was refused at upload and could never be used."""
    sid, _ = new(client)
    r = upload(client, sid, ("\n".join([head, *rows * 6]) + "\n").encode())
    assert r.status_code == 200, r.text
    assert r.json()["snapshot"]["config"]["columns"] == start
    with TestClient(create_app(upload=(("\n".join([head, *rows * 6]) + "\n").encode(),
                                       "f.csv"))) as other:  # nndl playground --data
        assert new(other)[1]["config"]["columns"] == start


def test_a_data_file_given_at_the_start_opens_every_new_session():
    with TestClient(create_app(upload=(separable_csv(), "people.csv"))) as client:
        sid, s = new(client)
        assert s["config"]["dataset"] == "csv" and s["data_name"] == "people.csv"
        assert s["config"]["columns"] == "height,weight,kind"
        _, other = new(client, dataset="xor")  # a link's own data set wins
        assert other["config"]["dataset"] == "xor"
    with pytest.raises(NNDLError, match="two numeric columns"):
        create_app(upload=(b"a,b\n1,2\n", "two.csv"))
    # a file whose first column is text starts on its columns of numbers
    named = b"name,height,weight,kind\n" + b"".join(b"p%d,%d,%d,%s\n" % (
        i, i, i % 7, b"big" if i % 2 else b"small") for i in range(40))
    with TestClient(create_app(upload=(named, "people.csv"))) as client:
        assert new(client)[1]["config"]["columns"] == "height,weight,kind"
    # a file no session can train on fails now, not as a dead page
    many = b"x,y,who\n" + b"".join(b"%d,%d,p%d\n" % (i, i % 7, i) for i in range(40))
    with pytest.raises(NNDLError, match="40 classes.*starts on the columns \\['x', 'y', 'who'\\]"):
        create_app(upload=(many, "people.csv"))
    prices = b"a,b,t\n" + b"".join(b"%d,%d,%.2f\n" % (i, i % 5, i * 0.37) for i in range(40))
    with TestClient(create_app(upload=(prices, "prices.csv"))) as client:
        _, s = new(client)  # a label column of numbers: the session starts as a regression
        assert s["config"]["problem"] == "regression"


def test_an_upload_of_more_rows_than_the_playground_draws_is_refused(client):
    from nndl.playground.data import MAX_UPLOAD_ROWS

    sid, _ = new(client)
    rows = b"".join(b"%d,%d,%s\n" % (i % 97, i % 89, b"ab"[i % 2:i % 2 + 1])
                    for i in range(MAX_UPLOAD_ROWS + 1))
    r = upload(client, sid, b"x,y,label\n" + rows, name="big.csv")
    assert r.status_code == 400 and f"at most {MAX_UPLOAD_ROWS}" in r.json()["error"]
    r = upload(client, sid, b"x,y,label\n" + rows[:rows.rindex(b"\n", 0, -1) + 1])
    assert r.status_code == 200, r.text  # the cap itself is taken


def test_an_upload_of_too_many_lines_is_refused_before_its_cells_are_read(client, monkeypatch):
    """The row cap was checked after the whole file was read: 1.7 million short rows of 10
    MiB took 5 s and hundreds of MiB per upload to refuse (four at once: 1.4 GiB)."""
    from nndl.playground import data

    sid, _ = new(client)
    monkeypatch.setattr(data, "load_csv", lambda *a, **k: pytest.fail("the file was read"))
    r = upload(client, sid, b"x,y,label\n" + b"1,2,a\n" * (data.MAX_UPLOAD_ROWS + 1))
    assert r.status_code == 400, r.text
    assert f"{data.MAX_UPLOAD_ROWS + 2} lines; the playground trains on and draws at most " \
        f"{data.MAX_UPLOAD_ROWS} rows" in r.json()["error"]
    monkeypatch.undo()  # rows under the cap with blank lines or doubled \r\r\n ends: taken
    rows = [f"{i % 7},{i % 5},{'ab'[i % 2]}" for i in range(30000)]
    for text in ("\n\n".join(["x,y,label", *rows]), "\r\r\n".join(["x,y,label", *rows]),
                 "\n \t\n".join(["x,y,label", *rows])):  # (lines of spaces too)
        assert upload(client, sid, text.encode()).status_code == 200


def test_a_whole_number_of_a_header_or_parameter_is_ascii_digits():
    """?limit=² and a limit of 5000 digits passed str.isdigit() and failed in int(): HTTP 500
    (the same check read Content-Length)."""
    from nndl.playground.server import _whole

    assert [_whole(t) for t in ("12", "0", "²", "9" * 5000, "-1", " 3", "", None)] == \
        [12, 0, None, None, None, None, None, None]


def test_code_py_parses_whatever_the_column_names(client):
    """code.py's docstring held the settings' JSON cut at 600 characters: a cut inside the
    escape of a non-ASCII column name (\\u00e9) was a SyntaxError in 4 of 6 name lengths."""
    import ast

    sid, _ = new(client)
    for pad in range(6):
        name = "y" * pad + "\u00e9" * 200 + '\\"'
        text = f'"{name.replace(chr(34), chr(34) * 2)}",b,label\n' + "".join(
            f"{i % 7},{i * 3 % 5},{i % 2}\n" for i in range(40))
        r = upload(client, sid, text.encode(), name="p.csv")
        assert r.status_code == 200, r.text
        code = client.get(f"/api/session/{sid}/code.py").text
        ast.parse(code)
        assert repr(name) in code  # the columns' names are the load_csv call's, whole


def test_an_upload_of_numbers_starts_a_regression_and_code_py_names_the_whole_file(client):
    """A label column of numbers was refused at upload in a classification session ("holds
    numbers"), while nndl playground --data started the same file as a regression; and with a
    column of text beside it, that text became the label (the review)."""
    sid, s0 = new(client)
    prices = b"a,b,t\n" + b"".join(b"%d,%d,%.2f\n" % (i, i % 5, i * 0.37) for i in range(40))
    r = upload(client, sid, prices, name="prices.csv")
    assert r.status_code == 200 and r.json()["snapshot"]["config"]["problem"] == "regression"
    assert r.json()["snapshot"]["config"]["columns"] == "a,b,t"
    sid, _ = new(client)
    cities = b"x1,x2,city,price\n" + b"".join(b"%d,%d,%s,%.2f\n" % (
        i, i % 5, b"rome" if i % 2 else b"oslo", i * 0.37) for i in range(40))
    r = upload(client, sid, cities, name="cities.csv")
    assert r.json()["snapshot"]["config"]["columns"] == "x1,x2,price"
    with TestClient(create_app(upload=(cities, "cities.csv"))) as other:
        assert new(other)[1]["config"]["columns"] == "x1,x2,price"
    sid, _ = new(client)  # (a classification session: its own problem's error comes first)
    r = upload(client, sid, b"a,b,t\n" + b"".join(b"%d,%d,p%d\n" % (i, i, i) for i in range(40)))
    assert r.status_code == 400 and "40 classes" in r.json()["error"]
    long_name = "measurements_of_the_field_campaign_of_summer_2023_station_42_final_v2.csv"
    r = upload(client, sid, separable_csv(), name=long_name)
    assert r.status_code == 200, r.text
    code = client.get(f"/api/session/{sid}/code.py").text
    assert repr(long_name) in code  # was cut with "...(N characters left out)..."


def test_uploads_over_10_mib_are_refused_before_reading(client):
    sid, _ = new(client)
    big = b"x,y,label\n" + b"1,2,a\n" * (10 * 1024 * 1024 // 6 + 10)
    r = upload(client, sid, big)
    assert r.status_code == 400 and "MiB" in r.json()["error"]
    from nndl.playground.data import MAX_UPLOAD_BYTES, csv_columns
    with pytest.raises(NNDLError, match=f"more than {MAX_UPLOAD_BYTES} bytes"):
        csv_columns(big[:MAX_UPLOAD_BYTES + 1])  # what --data reads of a bigger file: not
                                                # "the file has 10485761 bytes"


# --- exports ---------------------------------------------------------------------------------
def test_the_exported_model_predicts_exactly_as_the_page_draws(client, tmp_path):
    sid, _ = new(client, dataset="gauss", features="x1,x2,x1sq,sinx2", layers="5,3",
                 activation="relu", init="he")
    for _ in range(3):
        s = post(client, sid, "step")
    r = client.get(f"/api/session/{sid}/model.npz")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    (tmp_path / "m.npz").write_bytes(r.content)
    net = nndl.load(tmp_path / "m.npz")
    assert net.layer_dims == [4, 5, 3, 1] and net.iterations_done == s["iteration"]
    page = np.array(s["boundary"])
    assert np.array_equal(net.forward(grid_inputs(s["features"]))[0], page)
    assert net.predict(grid_inputs(s["features"])).shape == (1, GRID * GRID)


def test_the_exported_code_reproduces_the_model_bit_for_bit(client, tmp_path):
    sid, _ = new(client, dataset="xor", features="x1,x2,x1x2", layers="4", keep=0.9,
                 l2=0.01, batch=7)
    for _ in range(4):
        post(client, sid, "step")
    (tmp_path / "page.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    code = client.get(f"/api/session/{sid}/code.py").text
    assert "nndl.Network([3, 4, 1]" in code and "epochs=4" in code
    (tmp_path / "run.py").write_text(code)
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    a, b = nndl.load(tmp_path / "page.npz"), nndl.load(tmp_path / "playground-model.npz")
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k]), k


def test_the_exported_code_of_an_uploaded_file_reads_it(client, tmp_path):
    sid, _ = new(client)
    upload(client, sid, separable_csv(), name="people.csv")
    post(client, sid, "step")
    (tmp_path / "page.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    (tmp_path / "people.csv").write_bytes(separable_csv())
    (tmp_path / "run.py").write_text(client.get(f"/api/session/{sid}/code.py").text)
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, env=env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    a, b = nndl.load(tmp_path / "page.npz"), nndl.load(tmp_path / "playground-model.npz")
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


# --- the notes' lessons ----------------------------------------------------------------------
def test_zero_initialization_keeps_the_hidden_units_identical(client):
    sid, _ = new(client)
    s = post(client, sid, "preset", {"name": "zero-init"})
    assert s["config"]["init"] == "zeros"
    for _ in range(5):
        s = post(client, sid, "step")
    for layer in s["units"]:
        assert all(u == layer[0] for u in layer)
    assert all(row == s["weights"][0]["W"][0] for row in s["weights"][0]["W"])


def test_linear_hidden_units_are_logistic_regression_on_the_flower(client):
    sid, _ = new(client)
    s = post(client, sid, "preset", {"name": "linear-flower"})
    for _ in range(20):
        s = post(client, sid, "step")
    # the output is a sigmoid of a linear function of (x1, x2): its 0.5 level is a line, so
    # along any line across the plane it changes monotonically
    b = np.array(s["boundary"]).reshape(GRID, GRID)
    assert np.all(np.diff(b, axis=1) >= 0) or np.all(np.diff(b, axis=1) <= 0)
    assert np.all(np.diff(b, axis=0) >= 0) or np.all(np.diff(b, axis=0) <= 0)


@pytest.mark.parametrize("batch, lr", [(1, 3.0), (10, 10.0)])
def test_a_mini_batch_divergence_keeps_parameters_of_finite_cost(batch, lr):
    """fit's roll-back keeps the parameters of the last finite batch cost, whose cost on all
    the points may be inf: the page showed null losses and said it kept finite ones."""
    s = Session(Config(problem="regression", dataset="plane", lr=lr, batch=batch,
                       layers=[8, 8], activation="relu"))
    for _ in range(30):
        s.train_epoch()
        if s.error:
            break
    assert s.error and "diverged" in s.error
    assert np.isfinite(s.losses()).all() and s.snapshot()["train_loss"] is not None


def test_a_learning_rate_too_large_diverges_as_nndl_reports_it(client, tmp_path):
    sid, _ = new(client)
    cfg = post(client, sid, "preset", {"name": "lr-too-large"})["config"]
    post(client, sid, "play", {"playing": True})
    snaps = events(client, f"/api/session/{sid}/stream", 2)
    assert snaps[-1]["train_loss"] > snaps[0]["train_loss"]
    for _ in range(50):
        last = post(client, sid, "step")
        if last["error"]:
            break
    assert last["error"] and "diverged" in last["error"] and "smaller learning rate" in \
        last["error"]
    assert last["playing"] is False
    # what is kept is what one Network.fit keeps: the last parameters of finite cost (their
    # losses were null and the exported model's cost inf: the last update went unchecked)
    assert np.isfinite(last["train_loss"]) and np.isfinite(last["test_loss"])
    from nndl.playground.data import make_data
    data = make_data(cfg["dataset"], int(cfg["points"]), float(cfg["noise"]),
                     float(cfg["ratio"]), int(cfg["seed"]))
    assert cfg["features"] == "x1,x2" and cfg["batch"] == "0"
    (tmp_path / "page.npz").write_bytes(client.get(f"/api/session/{sid}/model.npz").content)
    page = nndl.load(tmp_path / "page.npz")
    net = nndl.Network(page.layer_dims, hidden=cfg["activation"], output=page.output,
                       init=cfg["init"], seed=int(cfg["seed"]))
    with pytest.raises(nndl.DivergenceError):
        net.fit(data.train.X, data.train.Y, learning_rate=float(cfg["lr"]), iterations=100)
    assert page.iterations_done == net.iterations_done == last["iteration"]
    assert all(np.array_equal(page.params[k], net.params[k]) for k in net.params)
    assert post(client, sid, "play", {"playing": True}) == {"playing": False}
    assert post(client, sid, "reset")["error"] is None
    r = client.post(f"/api/session/{sid}/preset", json={"name": "nope"})
    assert r.status_code == 400 and "unknown preset" in r.json()["error"]


# --- memory and sessions ---------------------------------------------------------------------
def test_memory_stays_flat_over_a_long_run():
    s = Session(Config(batch=0, points=40))
    for _ in range(300):
        s.train_epoch()
    tracemalloc.start()
    try:
        s.snapshot()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2 * MAX_SERIES + 100):
            s.train_epoch()
        s.snapshot()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(s.series) <= MAX_SERIES and len(s.net.history.costs) <= 1
    assert s.net.iterations_done == 300 + 2 * MAX_SERIES + 100
    assert grown < 256 * 1024, grown


def test_sessions_are_bounded_in_number():
    store: Store = Store(max_sessions=3)
    ids = [store.add(Session(Config(points=20))) for _ in range(5)]
    assert len(store) == 3
    with pytest.raises(NNDLError, match="reload the page"):
        store.get(ids[0])
    assert store.get(ids[-1]) is not None


def test_a_session_in_use_stays_and_one_let_go_stops_training(client):
    """Sessions beyond the cap went in the order they were made, though a tab's open stream
    kept using its session: a playing session was let go and its stream went on training it,
    while pause answered "this session has ended"."""
    store: Store = Store(max_sessions=2)
    first, second = Session(Config(points=20)), Session(Config(points=20))
    ids = [store.add(first), store.add(second)]
    first.snapshot()  # what a stream does after each epoch: the first is in use
    second.playing = True
    store.add(Session(Config(points=20)))
    assert store.get(ids[0]) is first
    with pytest.raises(NNDLError, match="reload the page"):
        store.get(ids[1])
    assert second.playing is False and second.ended
    # the stream of a session let go ends (it trained on: 1000 events here)
    sid, _ = new(client)
    s = client.app.state.sessions.get(sid)
    post(client, sid, "play", {"playing": True})
    from nndl.playground.store import end

    end(s)
    r = client.get(f"/api/session/{sid}/stream", params={"limit": 1000})
    assert r.status_code == 200 and "data: " not in r.text
    assert s.net.iterations_done == 0


def test_a_set_has_the_points_its_settings_say():
    """?dataset=flower&points=101 drew 102 points (the flower is drawn in two halves)."""
    from nndl.playground.data import DATASETS, make_data

    for name in DATASETS:
        for m in (101, 400):
            d = make_data(name, m)
            assert d.train.m + d.test.m == m, (name, m)


def test_settings_travel_in_the_url_and_back():
    c = Config.from_query({"dataset": "spiral", "layers": "8,8,2", "lr": "0.3", "seed": "4",
                           "features": "sinx1,x1"})
    assert c.features == ["x1", "sinx1"] and c.layers == [8, 8, 2] and c.lr == 0.3
    assert Config.from_query(c.to_query()) == c
    assert Config.from_query({"layers": ""}).layer_dims() == [2, 1]


# --- cat mode --------------------------------------------------------------------------------
def test_cat_mode_trains_the_notes_networks(cat_data):
    from nndl.datasets import default_cat_dir

    with TestClient(create_app(cat_dir=str(default_cat_dir()))) as client:
        r = client.post("/api/cat", json={"model": "4-layer"})
        assert r.status_code == 200, r.text
        sid, s = r.json()["id"], r.json()["snapshot"]
        assert s["layer_dims"] == [12288, 20, 7, 5, 1] and s["iteration"] == 0
        client.post(f"/api/cat/{sid}/play", json={"playing": True})
        snaps = events(client, f"/api/cat/{sid}/stream", 6)
        last = snaps[-1]
        assert last["iteration"] >= 100 and last["costs"][0][0] == 0
        # the notes' first cost of the 4-layer network: 0.771749
        assert last["costs"][0][1] == pytest.approx(0.771749, abs=1e-6)
        assert 0 <= last["test_accuracy"] <= 1 and len(last["mislabeled"]) == \
            round((1 - last["test_accuracy"]) * 50)
        imgs = client.get("/api/cat/images").json()
        assert imgs["size"] == [64, 64, 3] and len(imgs["images"]) == 50
        assert client.post("/api/cat", json={"model": "9-layer"}).status_code == 400


def test_cat_mode_without_the_data_says_where_it_looked(tmp_path):
    with TestClient(create_app(cat_dir=str(tmp_path / "nowhere"))) as client:
        r = client.post("/api/cat", json={"model": "2-layer"})
        assert r.status_code == 400 and "cat data folder not found" in r.json()["error"]


# --- the command -----------------------------------------------------------------------------
def test_the_command_refuses_a_data_file_that_is_no_table(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b"just one column\n")
    fails("playground", "--no-browser", "--data", tmp_path / "missing.csv", words=["not found"])
    fails("playground", "--no-browser", "--data", tmp_path / "bad.csv",
          words=["two numeric columns"])


def test_the_command_warns_when_listening_beyond_this_machine(tmp_path):
    from nndl.cli.playground import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    p = subprocess.Popen([sys.executable, "-m", "nndl", "playground", "--no-browser",
                          "--host", "0.0.0.0", "--port", "0"], env=env(), text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stderr.readline()
        assert "warning: listening on 0.0.0.0" in line
        assert p.stdout.readline().startswith("nndl playground: http://0.0.0.0:")
    finally:
        p.terminate()
        p.wait(timeout=30)


def test_an_uploaded_csv_is_read_again_only_when_its_reading_changes(monkeypatch):
    """Layers or features: the same parsed data; columns, ratio, seed or a new upload: read
    again (a 10 MiB file is not parsed at every settings change)."""
    from nndl.playground import session as session_module

    reads = []
    real = session_module.csv_data
    monkeypatch.setattr(session_module, "csv_data",
                        lambda *a, **k: reads.append(a[1:]) or real(*a, **k))
    s = session_module.Session(upload=(separable_csv(), "data.csv"))
    cfg = s.config
    cfg_dict = vars(cfg)
    s.configure(type(cfg)(**{**cfg_dict, "dataset": "csv",
                             "columns": ["height", "weight", "kind"]}))
    assert len(reads) == 1
    base = vars(s.config)
    s.configure(type(cfg)(**{**base, "layers": [3]}))
    s.configure(type(cfg)(**{**base, "layers": [5, 2]}))
    assert len(reads) == 1
    s.configure(type(cfg)(**{**base, "seed": base["seed"] + 1}))
    assert len(reads) == 2
    s.upload = (separable_csv(), "again.csv")
    s.reset()
    assert len(reads) == 3 and s.data.name == "again.csv"


# --- uploads replace the last one; bad input of any JSON type is a 400 ----------------------
def _csv(rows: "list[tuple[object, object, object]]", header: str = "x,y,label") -> bytes:
    return (header + "\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)).encode()


FILE_A = _csv([(i, (i * 7) % 11, i % 2) for i in range(20)])
FILE_B = _csv([(i, (i * 3) % 5, (i // 10) % 2) for i in range(20)])  # the same header


def test_a_second_upload_with_the_same_columns_replaces_the_first(client):
    """A new upload is a change even when its columns are named as the last one's: the run
    starts afresh on it, and the snapshot and the exported code are of it."""
    sid, _ = new(client)
    a = upload(client, sid, FILE_A, name="A.csv").json()["snapshot"]
    post(client, sid, "step")
    r = upload(client, sid, FILE_B, name="B.csv")
    assert r.status_code == 200, r.text
    b = r.json()["snapshot"]
    assert b["data_name"] == "B.csv" and b["iteration"] == 0
    assert b["points"] != a["points"]
    assert post(client, sid, "reset")["points"] == b["points"]
    assert "load_csv('B.csv'" in client.get(f"/api/session/{sid}/code.py").text


@pytest.mark.parametrize("content, words", [
    (b"x,y,label\ninf,1,0\n1,2,1\n", "finite"),
    (_csv([(i, i % 3, i % 2) for i in range(9)] + [(9, "-inf", 1)]), "finite"),
    (b"x,y,label\n1,2,0\n2,3,1\n3,4,0\n", "too few"),
    (_csv([(i, i % 3, 1) for i in range(10)]), "1 classes"),
])
def test_an_upload_that_later_steps_would_refuse_is_refused_when_it_arrives(client, content,
                                                                             words):
    """The same header as the file in use: the new file is still read, and refused with a
    one-line message naming it as sent; the session goes on with the old file."""
    sid, _ = new(client)
    upload(client, sid, FILE_A, name="A.csv")
    r = upload(client, sid, content, name="bad.csv")
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert words in error and error.startswith("bad.csv:") and "\n" not in error, error
    again = post(client, sid, "reset")
    assert again["data_name"] == "A.csv" and again["error"] is None


def test_columns_near_the_largest_floats_are_mapped_onto_the_plane(client):
    """(lo + hi) / 2 overflowed: every point was drawn at 0, and the model file refused."""
    sid, _ = new(client)
    r = upload(client, sid, _csv([((-1) ** i * 1e308, i % 7, i % 2) for i in range(20)]))
    assert r.status_code == 200, r.text
    xs = [*r.json()["snapshot"]["points"]["train"][0], *r.json()["snapshot"]["points"]["test"][0]]
    assert sorted(set(xs)) == [-5.0, 5.0]
    assert client.get(f"/api/session/{sid}/model.npz").status_code == 200


@pytest.mark.parametrize("top", [1e300, 1e308])
def test_regression_targets_too_large_to_train_on_are_refused_at_the_upload(client, top):
    """A squared error beyond float64 stopped the first epoch (1e308: an HTTP 500)."""
    sid, _ = new(client, dataset="plane")
    r = upload(client, sid, _csv([(i, i % 3, (-1) ** i * top) for i in range(10)]))
    assert r.status_code == 400 and "column 'label' reaches" in r.json()["error"], r.text


@pytest.mark.parametrize("bad, words", [
    ({"dataset": ["circle"]}, "dataset must be text"),
    ({"dataset": {"name": "circle"}}, "dataset must be text"),
    ({"dataset": None}, "dataset must be text"),
    ({"problem": ["regression"]}, "problem must be text"),
    ({"activation": {"a": 1}}, "activation must be text"),
    ({"init": 5}, "init must be text"),
    ({"features": [["x1"]]}, "features must be text"),
    ({"columns": [{"a": 1}, "b", "c"]}, "columns must be text"),
])
def test_settings_of_the_wrong_json_type_are_a_message_naming_the_field(client, bad, words):
    r = client.post("/api/session", json={"settings": bad})
    assert r.status_code == 400 and words in r.json()["error"], r.text
    sid, _ = new(client)
    r = client.post(f"/api/session/{sid}/settings", json={"settings": bad})
    assert r.status_code == 400 and words in r.json()["error"], r.text
    assert post(client, sid, "step")["iteration"] == 20


@pytest.mark.parametrize("settings", [[["circle"]], "dataset=xor", 0])
def test_settings_that_are_not_an_object_are_a_message(client, settings):
    sid, _ = new(client)
    for path in ("/api/session", f"/api/session/{sid}/settings"):
        r = client.post(path, json={"settings": settings})
        assert r.status_code == 400 and "settings must be an object" in r.json()["error"]


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None, []])
def test_playing_must_be_a_json_boolean(client, value):
    """bool("false") is True: the string started the run."""
    sid, _ = new(client)
    r = client.post(f"/api/session/{sid}/play", json={"playing": value})
    assert r.status_code == 400 and "playing must be true or false" in r.json()["error"]
    assert not post(client, sid, "step")["playing"]
    assert post(client, sid, "play", {"playing": True})["playing"] is True


def test_cat_mode_playing_must_be_a_json_boolean(cat_data):
    from nndl.datasets import default_cat_dir

    with TestClient(create_app(cat_dir=str(default_cat_dir()))) as client:
        sid = client.post("/api/cat", json={"model": "2-layer"}).json()["id"]
        r = client.post(f"/api/cat/{sid}/play", json={"playing": "false"})
        assert r.status_code == 400 and "playing must be true or false" in r.json()["error"]
        r = client.post("/api/cat", json={"model": ["2-layer"]})
        assert r.status_code == 400 and "model must be text" in r.json()["error"]


def test_a_preset_name_must_be_text(client):
    sid, _ = new(client)
    r = client.post(f"/api/session/{sid}/preset", json={"name": ["zero-init"]})
    assert r.status_code == 400 and "name must be text" in r.json()["error"], r.text


@pytest.mark.parametrize("what", ["", "settings", "play", "inspect"])
def test_a_body_nested_too_deeply_or_too_large_is_a_message(client, what):
    """A RecursionError in the JSON parser was an HTTP 500; a body is read to 1 MiB at most."""
    sid, _ = new(client)
    path = f"/api/session/{sid}/{what}" if what else "/api/session"
    deep = b"[" * 100000 + b"]" * 100000
    r = client.post(path, content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON object" in r.json()["error"], r.text
    big = json.dumps({"settings": {}, "playing": True, "pad": "x" * (2 * 1024 * 1024)})
    r = client.post(path, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "1 MiB" in r.json()["error"], r.text
