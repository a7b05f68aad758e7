"""``nndl playground``: the notes' network, live in the browser, trained by nndl itself.

    nndl playground                          # http://127.0.0.1:8000, opened in the browser
    nndl playground --data points.csv        # start with your own two columns and label
    nndl playground --port 8100 --no-browser --cat-dir ../shared/data/cat

A local web app (:mod:`nndl.playground`; needs ``pip install 'nndl[playground]'``). It binds
127.0.0.1 unless told otherwise (another host gets a warning: anyone who reaches it can use
it), reads only the file given with ``--data`` (once, at most 10 MiB) and the cat folder, and
gives each browser tab its own session. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import threading
import time
import webbrowser
from pathlib import Path

from ..errors import NNDLError
from ..files import open_regular
from . import arguments as a

NAME = "playground"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``playground`` command to ``subparsers``; its ``run`` default is :func:`run`."""
    p = subparsers.add_parser(
        NAME, help="train the network live in the browser (a local web app)",
        description="Start the playground, a local web app where nndl's Network learns 2-D "
        "data sets, your CSV file or the course's cat images, live; it opens in the browser. "
        "Needs pip install 'nndl[playground]'.")
    p.add_argument("--host", type=a.host, default=DEFAULT_HOST,
                   help=f"the address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=a.number("a port number 0..65535", integer=True, low=0,
                                            high=65535), default=DEFAULT_PORT,
                   help=f"the port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--no-browser", dest="browser", action="store_false",
                   help="do not open the page in a browser (by default it opens)")
    p.add_argument("--data", type=a.path, metavar="FILE",
                   help="a CSV file to start with (first two columns and the last as label; "
                   "other columns can be chosen on the page)")
    p.add_argument("--cat-dir", metavar="DIR", type=a.path,
                   help="the folder of the course's cat files (default: $NNDL_CAT_DIR when "
                   "set, else ../shared/data/cat from the working directory, else the one "
                   "beside nndl's source checkout)")
    p.set_defaults(run=run)
    return p


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_upload(path: str) -> tuple[bytes, str]:
    """The ``--data`` file's bytes (a regular file of at most 10 MiB) and name."""
    from ..playground.data import MAX_UPLOAD_BYTES, csv_columns

    with open_regular(path, "data file") as f:
        content = f.read(MAX_UPLOAD_BYTES + 1)
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    csv_columns(content, name)  # refuse a file that is no table now, not on the page
    return content, name


def run(args: argparse.Namespace) -> int:
    """Serve the playground until Ctrl-C; 0 when stopped."""
    try:
        import uvicorn
    except ImportError:
        raise NNDLError("the playground needs its web server: pip install "
                        "'nndl[playground]'") from None
    from ..playground.server import create_app

    if args.cat_dir is not None and not Path(args.cat_dir).is_dir():  # (it started anyway)
        raise NNDLError(f"--cat-dir {args.cat_dir}: no such folder (expected the folder of "
                        "the course's cat files, train_catvnoncat.h5 and test_catvnoncat.h5)")
    upload = read_upload(args.data) if args.data else None
    loopback = is_loopback(args.host)
    # on this machine only, the page answers to its own names only (no DNS rebinding)
    hosts = ["127.0.0.1", "localhost", "::1", "[::1]", args.host] if loopback else None
    app = create_app(upload=upload, cat_dir=args.cat_dir, allowed_hosts=hosts)
    if not loopback:
        print(f"nndl playground: warning: listening on {args.host}: anyone who can reach this "
              "address can use the playground (and this machine's CPU); use the default "
              f"{DEFAULT_HOST} to keep it to this machine", file=sys.stderr)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=_when_started, args=(server, args), daemon=True).start()
    server.run()
    return 0


def _port(server: object, asked: int) -> int:
    for s in getattr(server, "servers", []) or []:
        for sock in getattr(s, "sockets", []) or []:
            return int(sock.getsockname()[1])
    return asked


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _when_started(server: object, args: argparse.Namespace) -> None:
    """Once the server listens: print the page's address (the port may be chosen by 0); and,
    unless --no-browser, open it in the browser (after 10 s without a start, anyway)."""
    for _ in range(200):
        if getattr(server, "started", False):
            print(f"nndl playground: {_url(args.host, _port(server, args.port))} "
                  "(Ctrl-C stops it)", flush=True)
            break
        time.sleep(0.05)
    if args.browser:
        webbrowser.open(_url(args.host, _port(server, args.port)))
