"""The playground's ASGI app (Starlette): the pages, a JSON API per browser tab, and a
server-sent-events stream of the training.

    app = create_app(upload=None, cat_dir=None)      # uvicorn.run(app, host="127.0.0.1")

Every tab creates its own session (``POST /api/session``) and drives it by its id:

=========================================  =================================================
``POST /api/session``                      a new session from ``{"settings": {...}}`` (the
                                           URL's parameters) -> ``{"id", "snapshot"}``
``POST /api/session/{id}/settings``        new settings -> the full snapshot
``POST /api/session/{id}/preset``          ``{"name"}``: one of the notes' lessons
``POST /api/session/{id}/play``            ``{"playing": true|false}``
``POST /api/session/{id}/step``            one epoch -> the snapshot
``POST /api/session/{id}/reset``           fresh parameters -> the full snapshot
``POST /api/session/{id}/inspect``         ``{"layer": l}``: the equations' layer
``POST /api/session/{id}/upload``          a CSV file as the request body (10 MiB at most)
``GET /api/session/{id}/stream``           server-sent events: one snapshot per epoch while
                                           playing (at most 30 per second), else on change
``GET /api/session/{id}/model.npz``        the trained model (``nndl.load`` reads it)
``GET /api/session/{id}/code.py``          Python code that reproduces the run
``POST /api/cat``, ``/api/cat/{id}/play``,  the cat images with the notes' 2- and 4-layer
``GET /api/cat/{id}/stream``,              networks
``GET /api/cat/images``
=========================================  =================================================

Bad input is an HTTP 400 whose JSON ``{"error": ...}`` is nndl's message; the page shows it.
A JSON body is read to 1 MiB, and each of its fields must have its JSON type (``playing`` a
boolean, not the string "false").
The server reads only what it is given: the uploaded bytes, the ``--data`` file read once at
start, and the cat folder.
"""

from __future__ import annotations

import asyncio
import json
import time
from importlib import resources
from typing import Any, AsyncIterator, Callable
from urllib.parse import unquote

try:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import (FileResponse, JSONResponse, Response,
                                     StreamingResponse)
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
except ImportError as exc:  # pragma: no cover - depends on the environment
    from ..errors import NNDLError

    raise NNDLError("the playground needs its web server: pip install 'nndl[playground]' "
                    f"({exc})") from None

from ..errors import NNDLError, shorten
from ..validation import check_number
from . import export
from .cat import CatData, CatSession
from .config import (ACTIVATIONS, INITS, MAX_HIDDEN_LAYERS, MAX_UNITS, PRESETS, Config,
                     preset)
from .data import (DATASETS, MAX_UPLOAD_BYTES, NumbersNotClasses, csv_columns,
                   start_problem)
from .features import FEATURES
from .session import Session
from .store import IDLE_SECONDS, MAX_SESSIONS, SessionEnded, Store

FRAME_SECONDS = 1 / 30
"""The shortest time between two streamed updates while playing."""
MAX_JSON_BYTES = 1024 * 1024
"""The largest JSON request body read (the settings are a few hundred bytes)."""

def _static(name: str = "") -> Any:
    return resources.files(__package__).joinpath("static", name) if name else \
        resources.files(__package__).joinpath("static")


def _error(exc: Exception, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(exc).split()) or type(exc).__name__},
                        status_code=status)


SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
"""Content types another web site's page may POST here without asking first (CORS); the API
refuses them, so that only this app's own page can drive a session."""


def _api(handler: Callable[..., Any]) -> Callable[[Request], Any]:
    """Wrap a handler: nndl's errors (bad input) become HTTP 400 with the message (404 for a
    session that has ended, as its stream answers); a POST must say it sends JSON (or, for an
    upload, CSV bytes)."""
    async def endpoint(*args: Any) -> Response:
        request: Request = args[-1]  # (request) or (self, request)
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if not kind or kind in SIMPLE_TYPES:
                return _error(NNDLError(f"the request's content type must be "
                                        f"application/json (or text/csv for an upload); got "
                                        f"{shorten(repr(kind), 60)}"), 415)
        try:
            return await handler(*args)
        except SessionEnded as exc:
            return _error(exc, 404)
        except NNDLError as exc:
            return _error(exc)
    endpoint.__name__ = handler.__name__
    return endpoint


async def _json(request: Request) -> dict:
    """The request's body as a JSON object, at most MAX_JSON_BYTES; NNDLError (a 400) for
    anything else, a body nested too deeply for the parser (RecursionError) included."""
    content = await _read_capped(request, MAX_JSON_BYTES, ("request body", "JSON bodies"))
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise NNDLError("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise NNDLError("the request body must be a JSON object")
    return body


def _settings(body: dict) -> dict:
    """The body's ``settings`` object (absent or null: none)."""
    settings = body.get("settings")
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise NNDLError("settings must be an object of the page's settings")
    return settings


def _flag(body: dict, key: str) -> bool:
    """The body's ``key`` as a JSON boolean (a string "false" would be true in Python)."""
    value = body.get(key)
    if not isinstance(value, bool):
        raise NNDLError(f"{key} must be true or false (a JSON boolean); got "
                        f"{shorten(json.dumps(value), 40)}")
    return value


def _text(body: dict, key: str, default: str) -> str:
    """The body's ``key`` as text (``default`` when absent or null)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise NNDLError(f"{key} must be text (a JSON string); got "
                        f"{shorten(json.dumps(value), 40)}")
    return value


async def _read_capped(request: Request, cap: int = MAX_UPLOAD_BYTES,
                       what: "tuple[str, str]" = ("file", "CSV files")) -> bytes:
    """The request's body, refused (NNDLError) past ``cap`` bytes; ``what``: the body and
    its kind in the message."""
    declared = _whole(request.headers.get("content-length"))
    if declared is not None and declared > cap:
        raise NNDLError(f"the {what[0]} has {int(declared)} bytes; the playground takes "
                        f"{what[1]} of at most {cap // (1024 * 1024)} MiB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise NNDLError(f"the {what[0]} is larger than {cap // (1024 * 1024)} MiB, the "
                            "most the playground takes")
        chunks.append(chunk)
    return b"".join(chunks)


def _sse(snapshot: dict) -> str:
    return f"data: {json.dumps(snapshot, allow_nan=False)}\n\n"


class _Playground:
    """The app's state (the sessions, the cat data, the ``--data`` file) and its endpoints."""

    def __init__(self, upload: "tuple[bytes, str] | None", cat_dir: "str | None",
                 max_sessions: int) -> None:
        self.upload = upload
        self.sessions: Store[Session] = Store(max_sessions)
        self.cats: Store[CatSession] = Store(max(4, max_sessions // 8))
        self.cat_data = CatData(cat_dir)
        self.upload_columns, choices = csv_columns(*upload) if upload is not None else (None, [])
        """The ``--data`` file's column names (read once: every new tab gets them)."""
        self.start_columns, self.start_problem = (
            start_problem(upload, choices) if upload is not None else (None, None))

    def routes(self) -> list:
        """The app's routes (see the table in this module's docstring)."""
        post = {"methods": ["POST"]}
        one = "/api/session/{sid}"
        return [
            Route("/", self.index), Route("/cat", self.cat_page), Route("/api/meta", self.meta),
            Route("/api/session", self.create, **post),
            Route(f"{one}/settings", self.settings, **post),
            Route(f"{one}/preset", self.use_preset, **post),
            Route(f"{one}/play", self.play, **post),
            Route(f"{one}/step", self.step, **post),
            Route(f"{one}/reset", self.reset, **post),
            Route(f"{one}/inspect", self.inspect, **post),
            Route(f"{one}/upload", self.upload_csv, **post),
            Route(f"{one}/stream", self.stream),
            Route(f"{one}/model.npz", self.model_file),
            Route(f"{one}/code.py", self.code_file),
            Route("/api/cat", self.cat_create, **post),
            Route("/api/cat/images", self.cat_images),
            Route("/api/cat/{sid}/play", self.cat_play, **post),
            Route("/api/cat/{sid}/stream", self.cat_stream),
            Mount("/static", StaticFiles(directory=str(_static())), name="static"),
        ]

    # --- pages -----------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        return FileResponse(str(_static("index.html")))

    async def cat_page(self, request: Request) -> Response:
        return FileResponse(str(_static("cat.html")))

    async def meta(self, request: Request) -> Response:
        """What the page offers: data sets, features, activations, limits, presets."""
        return JSONResponse({
            "datasets": {k: {"problem": p, "label": lab} for k, (p, lab, _) in DATASETS.items()},
            "features": {k: lab for k, (lab, _) in FEATURES.items()},
            "activations": list(ACTIVATIONS), "inits": list(INITS),
            "max_layers": MAX_HIDDEN_LAYERS, "max_units": MAX_UNITS,
            "presets": {k: v["label"] for k, v in PRESETS.items()},
            "defaults": Config().to_query(), "max_upload": MAX_UPLOAD_BYTES,
            "start_csv": self.upload[1] if self.upload is not None else None,
        })

    # --- one tab's session ---------------------------------------------------------------
    def new_session(self, settings: dict) -> Session:
        if self.start_columns is not None and "dataset" not in settings:
            settings = {**settings, "dataset": "csv", "columns": self.start_columns,
                        "problem": settings.get("problem", self.start_problem)}
        return Session(Config.from_query(settings), self.upload)

    def session(self, request: Request) -> Session:
        return self.sessions.get(request.path_params["sid"])

    @_api
    async def create(self, request: Request) -> Response:
        settings = _settings(await _json(request))
        s = await run_in_threadpool(self.new_session, settings)
        sid = self.sessions.add(s)
        return JSONResponse({"id": sid, "snapshot": await run_in_threadpool(s.snapshot, True),
                             "columns": self.upload_columns if s.upload else None})

    @_api
    async def settings(self, request: Request) -> Response:
        s, body = self.session(request), await _json(request)
        await run_in_threadpool(s.configure, Config.from_query(_settings(body)))
        return JSONResponse(await run_in_threadpool(s.snapshot, True))

    @_api
    async def use_preset(self, request: Request) -> Response:
        s, body = self.session(request), await _json(request)
        await run_in_threadpool(s.configure, preset(_text(body, "name", "")))
        return JSONResponse(await run_in_threadpool(s.snapshot, True))

    @_api
    async def play(self, request: Request) -> Response:
        s, want = self.session(request), _flag(await _json(request), "playing")
        with s.lock:
            s.playing = want and s.error is None
            s.version += 1
        return JSONResponse({"playing": s.playing})

    @_api
    async def step(self, request: Request) -> Response:
        s = self.session(request)
        s.playing = False
        await run_in_threadpool(s.train_epoch)
        return JSONResponse(await run_in_threadpool(s.snapshot))

    @_api
    async def reset(self, request: Request) -> Response:
        s = self.session(request)
        await run_in_threadpool(s.reset)
        return JSONResponse(await run_in_threadpool(s.snapshot, True))

    @_api
    async def inspect(self, request: Request) -> Response:
        s, body = self.session(request), await _json(request)
        with s.lock:
            s.inspect_layer = int(check_number("layer", body.get("layer", 1), integer=True))
            s.version += 1
        return JSONResponse(await run_in_threadpool(s.snapshot))

    @_api
    async def upload_csv(self, request: Request) -> Response:
        """The request's body is a CSV file: the first choice of columns of
        :func:`~.data.default_columns` that trains as the session's problem (or as a
        regression, when its label holds numbers to regress, as ``nndl playground --data``
        starts) is taken (the page then offers the others); a bad file leaves the session
        as it was (the first choice's error)."""
        s = self.session(request)
        name = unquote(request.headers.get("x-filename") or "upload.csv")
        if len(name) > 255:  # no file system's name: shortened (else kept whole, for code.py)
            name = shorten(name, 80)
        content = await _read_capped(request)
        columns, choices = await run_in_threadpool(csv_columns, content, name)
        await run_in_threadpool(_start_on, s, (content, name), choices)
        return JSONResponse({"columns": columns,
                             "snapshot": await run_in_threadpool(s.snapshot, True)})

    async def stream(self, request: Request) -> Response:
        try:
            s = self.session(request)
        except NNDLError as exc:
            return _error(exc, 404)
        return _stream(_events(request, s, s.play_epoch, s.snapshot, _limit(request),
                               s.drain))

    @_api
    async def model_file(self, request: Request) -> Response:
        data = await run_in_threadpool(export.model_bytes, self.session(request))
        return Response(data, media_type="application/octet-stream", headers={
            "Content-Disposition": 'attachment; filename="playground-model.npz"'})

    @_api
    async def code_file(self, request: Request) -> Response:
        return Response(export.code(self.session(request)), media_type="text/x-python",
                        headers={"Content-Disposition":
                                 'attachment; filename="playground_run.py"'})

    # --- cat mode ----------------------------------------------------------------------------
    @_api
    async def cat_create(self, request: Request) -> Response:
        model = _text(await _json(request), "model", "") or "2-layer"
        c = await run_in_threadpool(CatSession, self.cat_data, model)
        return JSONResponse({"id": self.cats.add(c),
                             "snapshot": await run_in_threadpool(c.snapshot)})

    @_api
    async def cat_play(self, request: Request) -> Response:
        c, want = self.cats.get(request.path_params["sid"]), _flag(await _json(request),
                                                                   "playing")
        with c.lock:
            c.playing = want and c.error is None and not c.done
            c.version += 1
        return JSONResponse({"playing": c.playing})

    async def cat_stream(self, request: Request) -> Response:
        try:
            c = self.cats.get(request.path_params["sid"])
        except NNDLError as exc:
            return _error(exc, 404)
        return _stream(_events(request, c, c.train_chunk, c.snapshot, _limit(request)))

    @_api
    async def cat_images(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.cat_data.images))


def _start_on(s: Session, upload: "tuple[bytes, str]", choices: "list[list[str]]") -> None:
    """Load ``upload`` into ``s`` on the first choice of columns that trains as the session's
    problem, or as a regression when its label holds numbers to regress (NumbersNotClasses);
    the first choice's error when none does."""
    first: "NNDLError | None" = None
    for columns in choices:
        for problem in dict.fromkeys((s.config.problem, "regression")):
            cfg = Config.from_query({**s.config.to_query(), "dataset": "csv",
                                     "columns": columns, "problem": problem})
            try:
                s.load(upload, cfg)
                return
            except NumbersNotClasses as exc:
                first = first or exc
            except NNDLError as exc:
                first = first or exc
                break
    assert first is not None
    raise first


def _limit(request: Request) -> int:
    """The stream's ``limit`` parameter (events before it ends; 0: never, also for a limit
    that is not a whole number)."""
    return _whole(request.query_params.get("limit")) or 0


def _whole(text: "str | None") -> "int | None":
    """A header's or parameter's whole number: ASCII digits only (``str.isdigit`` takes
    ``'²'``, which int() refuses) and at most 18 of them (int() refuses 4300 and more); None
    for anything else."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def _stream(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


def create_app(upload: "tuple[bytes, str] | None" = None, cat_dir: "str | None" = None,
               max_sessions: int = MAX_SESSIONS,
               allowed_hosts: "list[str] | None" = None) -> Starlette:
    """The playground app.

    Parameters
    ----------
    upload : (bytes, name), optional
        A CSV file to start every session with (``nndl playground --data FILE``).
    cat_dir : str, optional
        The folder of the course's cat files (default: nndl's, see
        :func:`nndl.datasets.default_cat_dir`).
    max_sessions : int
        Sessions kept at once.
    allowed_hosts : list of str, optional
        The names the page may be reached by (the Host header; against DNS rebinding);
        None: any.

    Returns
    -------
    starlette.applications.Starlette
    """
    state = _Playground(upload, cat_dir, max_sessions)
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] \
        if allowed_hosts else []
    app = Starlette(routes=state.routes(), middleware=middleware)
    app.state.sessions = state.sessions
    app.state.cats = state.cats
    return app


async def _events(request: Request, s: Any, train: Callable[[], None],
                  snapshot: Callable[[], dict], limit: int = 0,
                  drain: "Callable[[], list[dict]] | None" = None) -> AsyncIterator[str]:
    """The session's snapshots as server-sent events: after each chunk of training while it
    plays (at most one per FRAME_SECONDS), and those ``drain`` gives within a long chunk;
    else whenever its state changed; ``limit`` > 0 ends the stream after that many events."""
    sent, seen, beat = 0, None, time.monotonic()
    while True:
        t0 = time.monotonic()
        if getattr(s, "ended", False):  # let go by the store (:func:`.store.end`)
            return
        if s.playing:
            task = asyncio.ensure_future(run_in_threadpool(train))
            while drain is not None and not task.done():
                await asyncio.wait({task}, timeout=0.02)
                for snap in drain():
                    yield _sse(snap)
                    sent += 1
                    if limit and sent >= limit:
                        return
            await task
            if drain is not None:
                drain()  # what the last moments of the chunk took: the next snapshot is newer
        elif s.version == seen:
            if await request.is_disconnected():
                return
            if t0 - beat > 15:
                beat = t0
                yield ": keep-alive\n\n"
            await asyncio.sleep(0.05)
            continue
        snap = await run_in_threadpool(snapshot)
        seen = snap["version"]
        yield _sse(snap)
        sent += 1
        if limit and sent >= limit:
            return
        await asyncio.sleep(max(0.0, FRAME_SECONDS - (time.monotonic() - t0)))


__all__ = ["FRAME_SECONDS", "IDLE_SECONDS", "MAX_SESSIONS", "SIMPLE_TYPES", "Store",
           "create_app"]
