"""Messages taken while the backend (or its database) could not be reached, or was too slow to
answer within the provider's patience: kept in a small SQLite file on this machine, so the provider
is still answered 200 at once and nothing is lost. Rows are kept per source, the input channel's
name (twilio_sms and gateway_sms are both SMS, but only the one that took a message may drain it).
The channel drains the spool into the backend when it answers again; from there the turn is
durable as usual.

Local on purpose: it must work exactly when the shared database does not."""

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Spooled:
    source: str
    sid: str
    sender: str
    payload: dict[str, Any]


class Spool:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Phones and words of citizens: readable by this service's user only (SQLite gives its WAL
        # and shared-memory files the same mode).
        self.path.touch(mode=0o600, exist_ok=True)
        self.path.chmod(0o600)
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # the provider is told 200 only after this is on disk
        with self._lock:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, "
                "sid TEXT NOT NULL, sender TEXT NOT NULL, payload TEXT NOT NULL, UNIQUE (source, sid))"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS spool_sender ON spool (source, sender)")

    def keep(self, source: str, sid: str, sender: str, payload: dict[str, Any]) -> bool:
        """Keeps the message (a repeated sid once); True when nothing else of this sender's was waiting."""
        with self._lock:
            waiting = self._holds(source, sender)
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO spool (source, sid, sender, payload) VALUES (?, ?, ?, ?)",
                (source, sid, sender, json.dumps(payload, ensure_ascii=False)),
            ).rowcount
            return inserted == 1 and not waiting

    def holds(self, source: str, sender: str) -> bool:
        """Something of this sender's is waiting: what they send next waits behind it, in order."""
        with self._lock:
            return self._holds(source, sender)

    def _holds(self, source: str, sender: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM spool WHERE source = ? AND sender = ? LIMIT 1", (source, sender)).fetchone()
            is not None
        )

    def waiting(self, source: str, limit: int = 50) -> list[Spooled]:
        with self._lock:
            rows = self._db.execute(
                "SELECT sid, sender, payload FROM spool WHERE source = ? ORDER BY id LIMIT ?", (source, limit)
            ).fetchall()
        return [Spooled(source, sid, sender, json.loads(payload)) for sid, sender, payload in rows]

    def forget(self, source: str, sid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM spool WHERE source = ? AND sid = ?", (source, sid))
