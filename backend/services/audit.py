"""The audit trail: who did what to which case or person, and who looked at whose data."""

from datetime import datetime

from sqlalchemy.orm import Session

from backend.models import AuditEntry, Case
from backend.services.access import Actor


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    now: datetime,
    case: Case | None = None,
    subject: str | None = None,
    outcome: str = "ok",
    detail: dict | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Added to the caller's transaction: an action and its audit entry are saved together. A
    refusal is recorded by the caller in a transaction of its own (the action's was rolled back)."""
    entry = AuditEntry(
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.audit_id,
        action=action,
        outcome=outcome,
        case_id=case.id if case is not None else None,
        subject=subject or (case.reference if case is not None else None),
        detail={**(detail or {}), **({"via": actor.via} if actor.via else {})},
        address=(address or "")[:64] or None,
    )
    session.add(entry)
    return entry
