"""Where studies live: Optuna's RDB storage (SQLite by default, in WAL mode; any SQLAlchemy
URL), with heartbeats and stale trials retried; a study created or resumed with its data and
search checked."""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NNDLError, shorten
from .space import canonical, flag


DEFAULT_STORAGE = "sqlite:///nndl-tune.db"
"""Where studies go when no storage is given: an SQLite file in the working directory."""


HEARTBEAT = 10
"""Seconds between a running trial's heartbeats."""


GRACE_PERIOD = 3 * HEARTBEAT
"""Seconds without a heartbeat after which a RUNNING trial counts as lost (its worker was
killed) and is retried: 30 s by default (3 heartbeats)."""


def optuna_module() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise NNDLError(f"hyperparameter search needs Optuna: pip install 'nndl[tune]' ({exc})"
                        ) from None
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def _at_signs(url: str) -> int:
    """How many ``@`` the URL's user, password and host part holds (up to the first ``/``,
    ``?`` or ``#``): more than one is a password with an unescaped ``@``."""
    return re.split(r"[/?#]", url.partition("//")[2], maxsplit=1)[0].count("@")


def shown_url(url: str) -> str:
    """The URL without its password (for messages): ``user:***@``, and no ``password=``
    query parameter; a text that is not a URL has its ``user:...@`` part masked the same
    way (a password with an ``@`` in it is masked up to the last ``@``)."""
    try:
        from sqlalchemy.engine import make_url

        if _at_signs(url) > 1:
            raise ValueError("an unescaped @ in the password")  # mask it as text
        u = make_url(url)
        query = {k: v for k, v in u.query.items() if k.lower() != "password"}
        if len(query) != len(u.query):
            query["password"] = "***"
        return u.set(query=query).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: mask what looks like a password
        masked = re.sub(r"(//[^/:@]*:)[^/]*@", r"\1***@", url)
        masked = re.sub(r"(?i)(password=)[^&]*", r"\1***", masked)
        return shorten(masked, 200)


@dataclass(frozen=True)
class StorageURL:
    """A storage URL, parsed and checked once (:func:`parse_storage`)."""

    url: str
    backend: str
    """sqlite, postgresql, mysql, ... (SQLAlchemy's name; not known to be installed)."""
    sqlite_file: "Path | None"
    """The file of an ``sqlite:///FILE`` URL (None for other databases)."""


def parse_storage(url: "str | StorageURL | None") -> StorageURL:
    """``url`` (default :data:`DEFAULT_STORAGE`) parsed; NNDLError for an unescaped ``@`` in
    its password, a text that is not a database URL, or an in-memory SQLite database (which
    no other worker or run could see)."""
    if isinstance(url, StorageURL):
        return url
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    url = url or DEFAULT_STORAGE
    if _at_signs(url) > 1:
        raise NNDLError(f"--storage {shown_url(url)!r}: the user or password holds an '@'; "
                        "write it as %40 in the URL")
    try:
        u = make_url(url)
        backend = u.get_backend_name()
    except (sqlalchemy.exc.ArgumentError, ValueError):
        raise NNDLError(f"--storage {shown_url(url)!r} is not a database URL: expected e.g. "
                        "sqlite:///study.db or postgresql://USER@HOST/DB") from None
    if backend == "sqlite" and u.database in (None, "", ":memory:"):
        raise NNDLError(f"--storage {shown_url(url)!r}: an in-memory SQLite database cannot "
                        "keep a study between workers or runs; give a file, e.g. "
                        "sqlite:///study.db")
    return StorageURL(url, backend, Path(u.database) if backend == "sqlite" else None)


def open_storage(url: "str | StorageURL | None", heartbeat: int = HEARTBEAT) -> Any:
    """Optuna's RDB storage at ``url`` (default :data:`DEFAULT_STORAGE`; a text, or one
    :func:`parse_storage` read) with heartbeats every ``heartbeat`` seconds, a grace period
    of 3 heartbeats and stale trials retried; NNDLError for a URL :func:`parse_storage`
    refuses, an unknown scheme, a missing driver or a database that cannot be reached."""
    optuna = optuna_module()
    import sqlalchemy.exc

    parsed = parse_storage(url)
    url, backend = parsed.url, parsed.backend
    connect = ({"timeout": 60} if backend == "sqlite" else
               {"connect_timeout": 10} if backend in ("postgresql", "mysql") else {})
    try:
        storage = _rdb_storage(optuna, url, connect, heartbeat)
        if backend == "sqlite":
            _sqlite_wal(storage)
        return storage
    except sqlalchemy.exc.NoSuchModuleError:
        raise NNDLError(f"--storage {shown_url(url)}: unknown database scheme {backend!r}; "
                        "expected sqlite, postgresql, mysql or another SQLAlchemy URL") from None
    except ImportError as exc:
        raise NNDLError(f"--storage {shown_url(url)}: the database driver is not installed "
                        f"({exc}); for PostgreSQL: pip install 'nndl[tune]'") from None
    except sqlalchemy.exc.SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise NNDLError(f"--storage {shown_url(url)}: cannot use the database: "
                        f"{first[0] if first else type(exc).__name__}") from None


def _rdb_storage(optuna: Any, url: str, connect: dict, heartbeat: int) -> Any:
    """RDBStorage, tried again a few times when its tables were being created by another
    worker at the same moment (a fresh database, two machines started together: one of the
    CREATE TABLEs then fails on a duplicate key)."""
    import sqlalchemy.exc

    for attempt in range(6):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # heartbeats are an 'experimental' feature
                return optuna.storages.RDBStorage(
                    url, engine_kwargs={"connect_args": connect}, heartbeat_interval=heartbeat,
                    grace_period=3 * heartbeat,
                    heartbeat_stale_trial_callback=_retry_callback(optuna))
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError,
                sqlalchemy.exc.OperationalError) as exc:
            racing = not isinstance(exc, sqlalchemy.exc.OperationalError) or \
                "already exists" in str(exc)  # SQLite says so in an OperationalError
            if attempt == 5 or not racing:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlite_wal(storage: Any) -> None:
    """SQLite in write-ahead-log mode, syncing at checkpoints only: a commit is then ~0.1 ms
    instead of an fsync of ~10 ms (30 commits a trial: create, parameters, reports, result);
    a killed process still loses nothing committed (only a power cut could lose the last
    commits); readers do not wait for the writer."""
    import sqlalchemy

    def pragmas(conn: Any, record: Any) -> None:
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    sqlalchemy.event.listen(storage.engine, "connect", pragmas)
    storage.engine.dispose()  # connections made before the listener: closed


def _retry_callback(optuna: Any) -> Any:
    cls = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None) or \
        optuna.storages.RetryFailedTrialCallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls()


def data_fingerprint(parts: Any) -> dict:
    from ..cli.steps import fingerprint

    return {"name": parts.data.name, "fingerprint": fingerprint(parts.data)}


def _check_same(study: Any, stored: dict, what: str, here: dict,
                on: "dict | None" = None) -> None:
    """NNDLError unless the study's ``stored`` data (``what``) or search is ``here``'s: a
    search compared as it takes effect on the data (``on``: :func:`~nndl.tuning.space.taken`),
    not as it was spelled."""
    given = stored, here
    if what != "data":
        stored, here = canonical(stored, on), canonical(here, on)
    if stored == here:
        return
    if what == "data":
        why = ("; nndl reads the built-in digits as pixels in [0, 1] since 2026-12-07 (grey "
               "levels 0..16 before), so a study of the old scale cannot go on"
               if stored.get("name") == here["name"] == "digits" else "")
        raise NNDLError(f"study {study.study_name!r} was created with other data "
                        f"({stored.get('name')}, fingerprint {str(stored.get('fingerprint'))[:12]}"
                        f"; here {here['name']}, {here['fingerprint'][:12]}): give another "
                        f"--study, or the data it was created with{why}")
    diff = sorted(k for k in {*stored.get("space", {}), *here["space"]}
                  if stored.get("space", {}).get(k) != here["space"].get(k))
    if stored.get("metric") != here["metric"]:
        diff.insert(0, "metric")
    k = diff[0] if diff else "?"
    if k == "metric":
        was, now = json.dumps(stored.get("metric")) + " there", json.dumps(here["metric"])
    else:
        was, now = (_shown(g, c, k, on, where) for g, c, where in
                    zip(given, (stored, here), ("there", "here")))
    raise NNDLError(f"study {study.study_name!r} was created with another search space "
                    f"({flag(k)}: {was}, {now}" + (" here" if k == "metric" else "")
                    + (f"; also {', '.join(flag(d) for d in diff[1:])}" if diff[1:] else "")
                    + "): give another --study, or the same settings")


def _shown(given: dict, taken: dict, key: str, on: "dict | None", where: str) -> str:
    """Setting ``key`` of a search as it was ``given`` (JSON, or ``not given``) ``where``,
    and, when it was read from the data (``on``) as something else, as it was ``taken``: a
    study created without --label is not said to have had --label "label"."""
    was, now = given.get("space", {}).get(key), taken.get("space", {}).get(key)
    filled = key in (on or {})
    said = ("not given" if was is None and filled else json.dumps(was)) + " " + where
    if filled and now is not None and now != was:
        said += f" (found in the data: {json.dumps(now)})"
    return said


def open_study(storage: Any, name: str, search: dict, data: dict, direction: str,
               on: "dict | None" = None) -> Any:
    """Create the study ``name`` or load it, checking that it was made for the same data and
    search (stored in its user attributes ``nndl_search`` and ``nndl_data``; the search's
    settings as they take effect on the data, ``on``: :func:`~nndl.tuning.space.taken`)."""
    optuna = optuna_module()
    study = optuna.create_study(study_name=name, storage=storage, direction=direction,
                                load_if_exists=True)
    attrs = study.user_attrs
    if "nndl_search" not in attrs:
        if study.get_trials(deepcopy=False):
            raise NNDLError(f"study {name!r} was not made by nndl tune (it has trials but no "
                            "nndl settings): give another --study")
        study.set_user_attr("nndl_search", search)
        study.set_user_attr("nndl_data", data)
        return study
    _check_same(study, attrs["nndl_data"], "data", data)
    _check_same(study, attrs["nndl_search"], "search", search, on)
    return study


def sqlite_file(url: "str | None") -> "Path | None":
    """The file of an ``sqlite:///FILE`` storage URL (None for other databases, and for a URL
    :func:`parse_storage` refuses: opening the storage says what is wrong with it)."""
    try:
        return parse_storage(url).sqlite_file
    except NNDLError:
        return None


def check_out(out: "str | os.PathLike", storage: "str | None", data: list) -> None:
    """NNDLError, before any trial, when ``--out`` cannot take the best model: a folder, a
    missing folder, or the study's own SQLite file or a data file (which it would destroy;
    ``data``: the data and test specs)."""
    from ..files import absolute, output_file

    target = output_file(out, "--out")
    db = sqlite_file(storage)
    if db is not None and absolute(db, "--storage") == target:
        raise NNDLError(f"--out {out} is the study's database (--storage): writing the model "
                        "there would destroy every trial; give another file name")
    for spec in data:
        if isinstance(spec, str) and Path(spec).exists() and absolute(spec, "data") == target:
            raise NNDLError(f"--out {out} is the data file {spec}: writing it would destroy it; "
                            "give another file name")


def load_study(storage_url: "str | None", name: str) -> Any:
    """An existing study (NNDLError when the storage holds none of that name, or for an
    SQLite file that is not there: opening it would create it)."""
    optuna = optuna_module()
    parsed = parse_storage(storage_url)
    db = parsed.sqlite_file
    if db is not None and not db.is_file():
        raise NNDLError(f"no study database {db}: --storage "
                        f"{shown_url(parsed.url)} names a file that is not there")
    storage = open_storage(parsed)
    names = [s.study_name for s in optuna.get_all_study_summaries(storage,
                                                                  include_best_trial=False)]
    if name not in names:
        raise NNDLError(f"no study {name!r} in {shown_url(parsed.url)}"
                        + (f"; it holds: {', '.join(sorted(names)[:20])}" if names else
                           " (it holds none)"))
    return optuna.load_study(study_name=name, storage=storage)
