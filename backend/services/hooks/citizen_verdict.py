"""Grievances: the citizen closes the case with a rating, or reopens it as not solved."""

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backend.models import Case
from backend.services import categories, certificates, feedback, grievance
from backend.services.catalog import ServiceDef
from backend.services.hooks.base import Filing, Hooks, Verdict, Words, request_checked
from backend.services.payments import Link
from backend.settings import Settings
from locales import catalog_words


class CitizenVerdict(Hooks):
    takes_verdict = True
    files_forms = True

    def file(self, session: Session, filing: Filing) -> tuple[Case, bool, Link | None]:
        """A complaint from its form's answers (its category, its description, its ward), with the
        photo sent with the description, fetched once the citizen has their number (attach_media)."""
        if isinstance(filing.definition, ServiceDef):
            return super().file(session, filing)
        earlier, values = request_checked(session, filing)
        if earlier is not None:
            return earlier, False, None
        complaint = grievance.complaint_from(filing.definition, values)
        try:
            case, created = grievance.file_grievance(
                session,
                workflow=filing.workflow,
                masterdata_dir=filing.settings.masterdata_dir,
                category_code=complaint.category,
                subcategory_code=complaint.subcategory,
                description=complaint.description,
                ward_code=complaint.ward,
                citizen_phone=filing.phone,
                language=filing.language,
                channel=filing.channel,
                actor_role=filing.actor_role,
                actor_id=filing.actor_id,
                idempotency_key=filing.idempotency_key,
                now=filing.now,
                timezone=filing.settings.timezone,
            )
        except grievance.InvalidGrievance as exc:
            raise certificates.InvalidApplication(exc.field, exc.code) from exc
        return case, created, None

    def attach_media(
        self, session: Session, *, settings: Settings, case_id: int, documents: dict[str, str], now: datetime
    ) -> None:
        for url in documents.values():  # one photo: the one sent with the description
            grievance.attach_photo(session, settings=settings, case_id=case_id, url=url, now=now)

    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        """The complaint's category (its subcategory where known), and the citizen's words."""
        details, language = case.details or {}, words.language
        category, sub = details.get("category", ""), details.get("subcategory")
        shown = (
            (catalog_words(f"{categories.SUBCATEGORY_KEY}.{category}.{sub}", language) if sub else None)
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
