"""A conversation with a person (backend/workflows/handoff.yml): its page tells the staff what
the citizen was doing (their newest case, the service they were asking for)."""

from pathlib import Path

from backend.models import Case
from backend.services.hooks.base import Hooks, Words
from locales import catalog_words


class Conversation(Hooks):
    def facts(self, case: Case, *, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
        details = case.details or {}
        rows = []
        if details.get("about"):
            rows.append((words("case.about_case"), str(details["about"])))
        if details.get("during"):
            during = str(details["during"])
            language = words.language  # a catalog service by its name, else a workflow's (a complaint)
            named = catalog_words(f"certificate.{during}", language) or catalog_words(f"console.service.{during}", language)
            named = named or during
            rows.append((words("case.asked_during"), named))
        return rows
