"""Grievances: the citizen closes the case with a rating, or reopens it as not solved."""

from sqlalchemy.orm import Session

from backend.services import feedback
from backend.services.hooks.base import Hooks, Verdict


class CitizenVerdict(Hooks):
    takes_verdict = True

    def verdict(self, session: Session, verdict: Verdict) -> str:
        v = verdict
        return feedback.give_feedback(
            session, workflow=v.workflow, masterdata_dir=v.settings.masterdata_dir, case=v.case, phone=v.phone,
            solved=v.solved, rating=v.rating, comment=v.comment, now=v.now,
        )  # fmt: skip
