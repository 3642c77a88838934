"""The case database: where the events of every provider's case are kept.

SQLite by default, one file in the workspace (``.contractgen/cases.sqlite3``, which the
workspace's ``.gitignore`` leaves out: it holds provider contact data); a shared server
for a team (PostgreSQL) from ``database:`` in ``contractgen.yaml`` or the
``CONTRACTGEN_DATABASE_URL`` environment variable, which wins.

The schema is migrated by Alembic, with the migrations shipped in
:mod:`contractgen.casebook.migrations`, applied automatically and said in one line.
Events are only ever added, each change in one transaction. On SQLite a writer takes
the write lock when its transaction begins (``BEGIN IMMEDIATE``) and others wait for it
(up to :data:`BUSY_SECONDS`), so two officers recording at once both keep their event.
On PostgreSQL every statement waits for a lock at most :data:`BUSY_SECONDS`
(``lock_timeout``) and runs at most :data:`STATEMENT_SECONDS` (``statement_timeout``):
a table another program holds locked gives a clear error, never a hang.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from ..base.errors import CaseDatabaseError, display_path
from ..dspt.case import CaseEvent, CaseState, EventKind, case_state
from ..library.gitsetup import git_user_name
from ..library.workspace import Workspace

ENV_URL = "CONTRACTGEN_DATABASE_URL"
DEFAULT_FILE = Path(".contractgen") / "cases.sqlite3"
BUSY_SECONDS = 30.0
#: PostgreSQL: the longest any one statement may run, lock waits included.
STATEMENT_SECONDS = 120.0
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

metadata = sa.MetaData()
events_table = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ods_code", sa.String(32), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("supersedes", sa.Integer, sa.ForeignKey("case_events.id"), nullable=True),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("batch", sa.String(64), nullable=True, index=True),
)


def database_url(workspace: Workspace) -> str:
    """The database's URL: ``CONTRACTGEN_DATABASE_URL``, else ``database:`` in
    ``contractgen.yaml``, else the SQLite file in the workspace."""
    url = os.environ.get(ENV_URL) or workspace.config.database
    if url:
        return url
    return f"sqlite:///{workspace.root / DEFAULT_FILE}"


def recorder(workspace: Workspace) -> str:
    """Who records: git's user.name in the workspace, else the operating system's user."""
    name = git_user_name(workspace.root)
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name at all
        return "unknown"


@dataclass
class Casebook:
    """An open case database. ``notes`` are the lines to show once (created, migrated)."""

    engine: Engine
    shown: str  # the database as a user should see it (a path, or a URL without password)
    who: str
    notes: list[str] = field(default_factory=list)

    # ---------------------------------------------------------------- writing

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: everything in it is recorded, or nothing is."""
        with _database_errors(self.shown, writing=True):
            with self.engine.execution_options(cg_write=True).begin() as conn:
                yield conn

    def add(self, conn: Connection, event: CaseEvent) -> CaseEvent:
        """Add ``event`` in the transaction ``conn``; the stored event is returned."""
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        row = {
            "ods_code": event.ods_code,
            "kind": event.kind.value,
            "event_date": event.date,
            "data": json.dumps(event.data, sort_keys=True, ensure_ascii=False),
            "supersedes": event.supersedes,
            "recorded_by": self.who,
            "recorded_at": now,
            "batch": event.batch,
        }
        new_id = conn.execute(events_table.insert().values(**row)).inserted_primary_key[0]  # type: ignore[index]
        return CaseEvent(event.ods_code, event.kind, event.date, dict(event.data), int(new_id), event.supersedes, self.who, now, event.batch)

    def record(self, events: Sequence[CaseEvent]) -> list[CaseEvent]:
        """Record ``events`` in one transaction."""
        with self.transaction() as conn:
            return [self.add(conn, e) for e in events]

    # ---------------------------------------------------------------- reading

    def events(self, ods_code: str | None = None) -> list[CaseEvent]:
        """Every event (of one provider), in the order recorded."""
        query = sa.select(events_table).order_by(events_table.c.id)
        if ods_code is not None:
            query = query.where(events_table.c.ods_code == ods_code)
        with _database_errors(self.shown, writing=False):
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
        return [_event(row) for row in rows]

    def cases(self) -> dict[str, CaseState]:
        """Every provider's case, by ODS code."""
        events = self.events()
        codes = sorted({e.ods_code for e in events})
        return {code: case_state(code, events) for code in codes}

    def case(self, ods_code: str) -> CaseState:
        return case_state(ods_code, self.events(ods_code))

    def batch_recorded(self, batch: str, conn: Connection | None = None) -> bool:
        """Whether the letters run ``batch`` was recorded (within ``conn``'s transaction
        when given, so that two officers cannot record one run twice)."""
        query = sa.select(sa.func.count()).select_from(events_table).where(events_table.c.batch == batch)
        if conn is not None:
            return bool(conn.execute(query).scalar())
        with _database_errors(self.shown, writing=False):
            with self.engine.connect() as reader:
                return bool(reader.execute(query).scalar())

    def close(self) -> None:
        self.engine.dispose()


def _event(row: Any) -> CaseEvent:
    return CaseEvent(
        ods_code=row["ods_code"],
        kind=EventKind(row["kind"]),
        date=row["event_date"],
        data=json.loads(row["data"] or "{}"),
        id=row["id"],
        supersedes=row["supersedes"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
        batch=row["batch"],
    )


# ------------------------------------------------------------------ opening


def open_casebook(workspace: Workspace, *, create: bool = True) -> Casebook | None:
    """The workspace's case database, its schema brought up to date.

    A missing SQLite file is created (and ``notes`` says where) unless ``create`` is
    False, when ``None`` is returned instead: reading an empty record needs no file."""
    url = database_url(workspace)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise CaseDatabaseError(f"the case database URL {url!r} is not a database URL ({exc}); use sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME in {ENV_URL} or database: in contractgen.yaml") from exc
    notes: list[str] = []
    if parsed.get_backend_name() == "sqlite":
        uri = parsed.query.get("uri") == "true" or (parsed.database or "").startswith("file:")
        path = Path((parsed.database or "").removeprefix("file:").split("?")[0])
        shown = display_path(path)
        if not uri and not path.exists():  # a URI (read-only, shared cache...) is opened as given
            if not create:
                return None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CaseDatabaseError(f"cannot create the case database {shown}: {exc.strerror or exc}; check the folder's permissions, or set {ENV_URL}") from exc
            notes.append(f"created the case database {shown} (kept out of git: it holds provider contact details)")
        engine = _sqlite_engine(url)
    else:
        shown = parsed.render_as_string(hide_password=True)
        try:
            engine = _server_engine(url, parsed.get_backend_name())
        except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
            raise CaseDatabaseError(f"cannot use the case database {shown}: {exc}; for PostgreSQL install contractgen[postgres]") from exc
    book = Casebook(engine, shown, recorder(workspace), notes)
    migrate(book)
    return book


def _sqlite_engine(url: str) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a writer takes the write lock now (no lost update); a reader only reads
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("cg_write") else "BEGIN")

    return engine


def _server_engine(url: str, backend: str) -> Engine:
    """A server's engine; PostgreSQL's sessions wait for a lock and run a statement for a
    bounded time (``lock_timeout``, ``statement_timeout``), so a locked table cannot hang."""
    if backend != "postgresql":
        return sa.create_engine(url)
    options = f"-c lock_timeout={int(BUSY_SECONDS * 1000)} -c statement_timeout={int(STATEMENT_SECONDS * 1000)}"
    return sa.create_engine(url, connect_args={"options": options})


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def schema_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(book: Casebook, to: str = "head") -> None:
    """Bring the schema up to ``to`` (the newest by default), in one transaction; refuse
    a database whose schema is newer than this contractgen knows."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    target = script.get_current_head() if to == "head" else to
    with _database_errors(book.shown, writing=False):
        with book.engine.connect() as conn:
            current = _revision(book, script, conn)
    if current == target:
        return
    with book.transaction() as conn:
        current = _revision(book, script, conn)  # again, under the write lock
        if current == target:
            return
        config.attributes["connection"] = conn
        command.upgrade(config, to)
    if current is None:
        if not book.notes:
            book.notes.append(f"set up the case database {book.shown} (schema {target})")
    else:
        book.notes.append(f"upgraded the case database {book.shown} from schema {current} to {target}")


def _revision(book: Casebook, script: ScriptDirectory, conn: Connection) -> str | None:
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise CaseDatabaseError(
            f"the case database {book.shown} has schema {current}, newer than this contractgen knows "
            f"(up to {script.get_current_head()}); upgrade contractgen (pip install -U contractgen). Nothing was changed"
        )
    return current


@contextmanager
def _database_errors(shown: str, *, writing: bool) -> Iterator[None]:
    """Database failures as :class:`CaseDatabaseError`, saying what to do."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        raise CaseDatabaseError(_operational_message(shown, exc.orig, writing)) from exc
    except sa.exc.DatabaseError as exc:
        if isinstance(exc.orig, sqlite3.DatabaseError):
            raise CaseDatabaseError(
                f"{shown} is not a contractgen case database or is damaged ({exc.orig}); restore it from a backup "
                f"(`contractgen case export` makes one), or move it away to start a new one. Nothing was changed"
            ) from exc
        raise CaseDatabaseError(f"the case database {shown} refused the change: {exc.orig}. Nothing was changed") from exc


def _operational_message(shown: str, orig: BaseException | None, writing: bool) -> str:
    text = str(orig)
    if "locked" in text or "busy" in text or "lock timeout" in text:
        return (f"the case database {shown} is locked by another program (waited {BUSY_SECONDS:.0f} seconds); "
                "try again when the other recording has finished. Nothing was changed")
    if "statement timeout" in text:
        return (f"the case database {shown} did not answer within {STATEMENT_SECONDS:.0f} seconds; try again later, "
                "or ask its administrator whether the server is overloaded. Nothing was changed")
    if "readonly" in text or "read-only" in text:
        return (f"the case database {shown} is read-only: nothing can be recorded; make it writable "
                "(check the file's and its folder's permissions) and try again. Nothing was changed")
    if "not a database" in text or "malformed" in text:
        return (f"{shown} is not a contractgen case database or is damaged ({text}); restore it from a backup "
                "(`contractgen case export` makes one), or move it away to start a new one. Nothing was changed")
    action = "recorded" if writing else "read"
    return f"the case database {shown} cannot be used: {text}; nothing was {action}"





def read_cases(workspace: Workspace) -> dict[str, CaseState]:
    """Every provider's case, for a letters run or the overview: read only (no database
    file is created when there is none: the record is then empty)."""
    book = open_casebook(workspace, create=False)
    if book is None:
        return {}
    try:
        return book.cases()
    finally:
        book.close()
__all__ = ["Casebook", "ENV_URL", "database_url", "events_table", "migrate", "open_casebook", "read_cases", "recorder", "schema_head"]
