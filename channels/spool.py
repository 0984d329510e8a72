"""Messages taken while the backend (or its database) could not be reached: kept in a small SQLite
file on this machine, so the provider can still be answered 200 and nothing is lost. The channel
drains the spool into the backend when it answers again; from there the turn is durable as usual.

Local on purpose: it must work exactly when the shared database does not."""
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Spooled:
    channel: str
    sid: str
    sender: str
    payload: dict[str, Any]


class Spool:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, "
                "sid TEXT NOT NULL, sender TEXT NOT NULL, payload TEXT NOT NULL, UNIQUE (channel, sid))"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # the provider is told 200 only after this is on disk
        return db

    def keep(self, channel: str, sid: str, sender: str, payload: dict[str, Any]) -> tuple[bool, bool]:
        """-> (new: this sid was not kept before, first_for_sender: nothing else of theirs is waiting)."""
        with self._lock, self._connect() as db:
            waiting = db.execute("SELECT 1 FROM spool WHERE channel = ? AND sender = ? LIMIT 1", (channel, sender)).fetchone()
            inserted = db.execute(
                "INSERT OR IGNORE INTO spool (channel, sid, sender, payload) VALUES (?, ?, ?, ?)",
                (channel, sid, sender, json.dumps(payload, ensure_ascii=False)),
            ).rowcount
            return bool(inserted), inserted == 1 and waiting is None

    def waiting(self, channel: str, limit: int = 50) -> list[Spooled]:
        with self._lock, self._connect() as db:
            rows = db.execute(
                "SELECT sid, sender, payload FROM spool WHERE channel = ? ORDER BY id LIMIT ?", (channel, limit)
            ).fetchall()
        return [Spooled(channel, sid, sender, json.loads(payload)) for sid, sender, payload in rows]

    def forget(self, channel: str, sid: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM spool WHERE channel = ? AND sid = ?", (channel, sid))
