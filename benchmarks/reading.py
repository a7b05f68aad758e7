"""How fast nndl reads users' tables, and how much memory it takes, against pandas and NumPy.

    python benchmarks/reading.py                       # three files of ~20-40 MB, 3 rounds
    python benchmarks/reading.py --before ../before/src  # also another nndl tree (before/after)
    python benchmarks/reading.py --tiny                # small files (the smoke test)

Files (written once into a temporary folder, the same for every reader):

- ``numbers``: 200 000 rows x 20 decimals (``%.6f``) and a text label last, with a header;
- ``mnist``: 20 000 rows, a label first and 784 whole numbers 0..255, 80% zeros (the shape of
  the MNIST CSVs users download), with a header;
- ``comma``: 100 000 rows x 10 decimals written with decimal commas, ``;`` separated.

Readers, each call in a fresh process so that its peak memory is its own (the process's peak
resident memory after the read, ``VmHWM``, minus its resident memory just before it,
``VmRSS``: what the read added at its peak, the result included):

- ``nndl``: ``nndl.datasets.load_csv`` (detects delimiter, decimal mark, header, label);
- ``nndl-before``: the same function from ``--before``'s tree;
- ``pandas``: ``pandas.read_csv(float_precision="round_trip")`` and ``to_numpy`` of the
  feature columns (round_trip: the correctly rounded parse nndl does; pandas' default parser
  gives other last bits);
- ``loadtxt``: ``numpy.loadtxt`` of the feature columns (its C parser; no header, label or
  dialect detection).

Rounds take turns (each round runs every reader once, in a rotating order); the table gives
the median seconds, the ratio to nndl, the median peak MB and whether the features equal
nndl's bit for bit.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

CHILD = r"""
import json, resource, sys, time, hashlib
import numpy as np
reader, path, kind = sys.argv[1], sys.argv[2], sys.argv[3]
label_first = kind == "mnist"
if reader.startswith("nndl"):
    from nndl.datasets import load_csv
    run = lambda: np.asarray(load_csv(path, label=0 if label_first else None).X).T
elif reader == "pandas":
    import pandas as pd
    def run():
        sep, dec = (";", ",") if kind == "comma" else (",", ".")
        df = pd.read_csv(path, sep=sep, decimal=dec, float_precision="round_trip")
        cols = df.columns[1:] if label_first else df.columns[:-1]
        return df[cols].to_numpy(dtype=np.float64)
else:
    def run():
        with open(path) as f:
            width = len(f.readline().split(";" if kind == "comma" else ","))
        cols = range(1, width) if label_first else range(width - 1)
        if kind == "comma":
            conv = lambda s: float(s.replace(",", "."))
            return np.loadtxt(path, delimiter=";", skiprows=1, usecols=cols, converters=conv)
        return np.loadtxt(path, delimiter=",", skiprows=1, usecols=cols)
def status_kb(field):  # /proc/self/status: VmRSS now, VmHWM the peak since exec (ru_maxrss
    try:                 # is not: Linux keeps the parent's across fork and exec)
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# warm-up on the file's first lines: imports made inside the readers are not the read's
import os, tempfile
full, tmp = path, tempfile.mkdtemp()
path = os.path.join(tmp, os.path.basename(full))
with open(full) as f, open(path, "w") as g:
    g.writelines(line for _, line in zip(range(50), f))
run()
os.remove(path)
path = full
rss0 = status_kb("VmRSS")
t0 = time.perf_counter()
X = np.ascontiguousarray(run(), dtype=np.float64)
t = time.perf_counter() - t0
rss = status_kb("VmHWM")
print(json.dumps({"s": t, "mb": (rss - rss0) / 1024, "digest": hashlib.sha1(X.tobytes()).hexdigest(),
                  "shape": list(X.shape)}))
"""


def write_files(folder: Path, tiny: bool) -> dict[str, Path]:
    """The three files (see the module doc), smaller with ``tiny``."""
    rng = np.random.default_rng(0)
    n_num, n_mnist, n_comma = (2000, 200, 1000) if tiny else (200_000, 20_000, 100_000)
    files = {}
    X = rng.standard_normal((n_num, 20))
    p = folder / "numbers.csv"
    with open(p, "w") as f:
        f.write(",".join([f"f{i}" for i in range(20)] + ["label"]) + "\n")
        for row, lab in zip(X, np.where(X[:, 0] > 0, "yes", "no")):
            f.write(",".join(f"{v:.6f}" for v in row) + f",{lab}\n")
    files["numbers"] = p
    img = (rng.random((n_mnist, 784)) < 0.2) * rng.integers(0, 256, (n_mnist, 784))
    p = folder / "mnist.csv"
    np.savetxt(p, np.column_stack([rng.integers(0, 10, n_mnist), img]), fmt="%d",
               delimiter=",", comments="",
               header=",".join(["label"] + [f"pixel{i}" for i in range(784)]))
    files["mnist"] = p
    X = rng.standard_normal((n_comma, 10)) * 100
    p = folder / "comma.csv"
    with open(p, "w") as f:
        f.write(";".join([f"c{i}" for i in range(10)] + ["y"]) + "\n")
        for row in X:
            f.write(";".join(f"{v:.4f}".replace(".", ",") for v in row)
                    + f";{int(row[0] > 0)}\n")
    files["comma"] = p
    return files


def run_one(reader: str, path: Path, kind: str, src: "Path | None") -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, "-c", CHILD, reader, str(path), kind], env=env,
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", type=Path, help="another nndl tree's src folder")
    ap.add_argument("--tiny", action="store_true", help="small files (for tests)")
    ap.add_argument("--readers", default="nndl,pandas,loadtxt")
    args = ap.parse_args(argv)
    readers = {r: SRC for r in args.readers.split(",") if r}
    if args.before is not None:
        readers["nndl-before"] = args.before.resolve()
    for r in list(readers):
        if r == "pandas":
            if importlib.util.find_spec("pandas") is None:
                del readers[r]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), args.tiny)
        for kind, path in files.items():
            res: dict[str, list[dict]] = {r: [] for r in readers}
            names = list(readers)
            for k in range(args.rounds):
                for r in names[k % len(names):] + names[:k % len(names)]:
                    res[r].append(run_one(r, path, kind, readers[r]))
            mb = os.path.getsize(path) / 2**20
            lines.append(f"{kind} ({mb:.1f} MB)")
            lines.append(f"  {'reader':<12} {'seconds':>8} {'x nndl':>7} {'peak MB':>8}  same")
            ref = res.get("nndl", [{}])[0]
            base = statistics.median(x["s"] for x in res["nndl"]) if "nndl" in res and \
                all("s" in x for x in res["nndl"]) else None
            for r, runs in res.items():
                if any("error" in x for x in runs):
                    lines.append(f"  {r:<12} {runs[0].get('error', '')}")
                    continue
                s = statistics.median(x["s"] for x in runs)
                peak = statistics.median(x["mb"] for x in runs)
                ratio = f"{s / base:7.2f}" if base else "      -"
                same = runs[0]["digest"] == ref.get("digest")
                lines.append(f"  {r:<12} {s:8.3f} {ratio} {peak:8.0f}  {same}")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
