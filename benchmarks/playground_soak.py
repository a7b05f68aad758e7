"""The playground under a long run: updates per second of the stream and the server's memory.

    python benchmarks/playground_soak.py                  # 600 s, the default settings
    python benchmarks/playground_soak.py 60 '{"points": 5000, "ratio": 0.9, "layers": "8,8,8"}'

Starts ``nndl playground --no-browser --port 0`` (this checkout's ``src``), creates one tab's
session with the given settings (JSON, as the page's URL has them), plays it and reads its
server-sent events for the given seconds; every 30 s it prints the updates per second, the
iteration, the train loss and the server's resident memory (Linux ``/proc``). Needs
``nndl[playground]`` and httpx.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[1] / "src"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(duration: float, settings: dict) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC), OPENBLAS_NUM_THREADS="1")
    server = subprocess.Popen([sys.executable, "-m", "nndl", "playground", "--no-browser",
                               "--port", "0"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[2]
        client = httpx.Client(base_url=url, timeout=60)
        sid = client.post("/api/session", json={"settings": settings}).json()["id"]
        client.post(f"/api/session/{sid}/play", json={"playing": True})
        print(f"settings {settings}: server memory {rss_mib(server.pid):.1f} MiB", flush=True)
        t0 = last = time.time()
        n = n_last = iteration = 0
        with client.stream("GET", f"/api/session/{sid}/stream") as r:
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                s = json.loads(line[6:])
                n, iteration = n + 1, s["iteration"]
                now = time.time()
                if now - last >= 30:
                    print(f"t={now - t0:5.0f} s  {(n - n_last) / (now - last):5.1f} updates/s  "
                          f"iteration {iteration}  train loss {s['train_loss']:.4f}  "
                          f"memory {rss_mib(server.pid):.1f} MiB", flush=True)
                    last, n_last = now, n
                if now - t0 >= duration:
                    break
        took = time.time() - t0
        print(f"{n} updates in {took:.0f} s = {n / took:.1f}/s; iteration {iteration}; "
              f"memory {rss_mib(server.pid):.1f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 600.0,
         json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
