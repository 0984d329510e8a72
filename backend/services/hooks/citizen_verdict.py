"""Grievances: the citizen closes the case with a rating, or reopens it as not solved."""

from pathlib import Path

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import feedback
from backend.services.hooks.base import Hooks, Verdict, Words
from locales import catalog_words


class CitizenVerdict(Hooks):
    takes_verdict = True

    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        """The complaint's category (its subcategory where known), and the citizen's words."""
        details, language = case.details or {}, words.language
        category, sub = details.get("category", ""), details.get("subcategory")
        shown = (
            (catalog_words(f"grievance_subcategory.{category}.{sub}", language) if sub else None)
            or catalog_words(f"grievance_category.{category}", language)
            or category
        )
        rows = [(words("case.category"), shown)]
        if personal:
            rows.append((words("case.description"), details.get("description", "")))
        return rows

    def verdict(self, session: Session, verdict: Verdict) -> str:
        v = verdict
        return feedback.give_feedback(
            session, workflow=v.workflow, masterdata_dir=v.settings.masterdata_dir, case=v.case, phone=v.phone,
            solved=v.solved, rating=v.rating, comment=v.comment, now=v.now,
        )  # fmt: skip
