"""Rendering a console page: the template, the words in the reader's language, the headers.

The console's words are the `console.*` keys of locales/{en,hi,or}.yml, rendered by
locales.render like every other text a person reads (one catalog per language, kept in step by
tests/locales). The reader's language: the one they chose with the switch (a cookie), else their
own (Person.language), else English."""

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import locales
from common.channels import VOICE

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "console.css"
templates = Jinja2Templates(directory=HERE / "templates")
LANGUAGE_COOKIE = "sathi_console_language"

# Every page: never cached (they hold personal data), never framed, no scripts at all, and the
# path never leaks to other sites in a Referer.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def language_for(request: Request, person_language: str | None = None) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in locales.LANGUAGES:
        return chosen
    return person_language if person_language in locales.LANGUAGES else locales.DEFAULT_LANGUAGE


class Words:
    """t("inbox.title") in templates; t.label("state", code) for a code that may have no words
    (a state or department added to the data before the catalogs), which then shows as itself."""

    def __init__(self, language: str, timezone: str, channel: str | None = None) -> None:
        self.language = language
        self.zone = ZoneInfo(timezone)
        self.channel = channel  # the words said in the staff's chat or call (their variants), else a page's

    def __call__(self, key: str, **variables: Any) -> str:
        return locales.render(f"console.{key}", self.language, self.channel, **variables)["text"]

    def service_of(self, case: Any) -> str:
        """What the case is for: a catalog service by its own name (a water tanker, an income
        certificate), else its workflow's (a complaint)."""
        kind = (case.details or {}).get("certificate_type")
        named = locales.catalog_words(f"certificate.{kind}", self.language) if kind else None
        return named[:1].upper() + named[1:] if named else self.label("service", case.service)

    @staticmethod
    def known(key: str) -> bool:
        return f"console.{key}" in locales.load_catalog(locales.DEFAULT_LANGUAGE)

    def label(self, group: str, code: str | None) -> str:
        if not code:
            return ""
        return self(f"{group}.{code}") if self.known(f"{group}.{code}") else code

    def when(self, moment: datetime | str | None) -> str:
        """Local date and time, as India writes it (on a call, as it is said: "6 December, 9:30")."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if not moment:
            return ""
        local = moment.astimezone(self.zone)
        if self.channel == VOICE:
            return self("when_spoken", day=local.day, month_key=f"console.month.{local.month}", time=f"{local.hour}:{local:%M}")
        return local.strftime("%d-%m-%Y %H:%M")

    def languages(self) -> list[tuple[str, str]]:
        """Each language named in itself, for the switch."""
        return [(code, locales.render("console.language_name", code)["text"]) for code in locales.LANGUAGES]


def page(request: Request, template: str, *, words: Words, status_code: int = 200, **context: object) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"t": words, "lang": words.language, **context},
        status_code=status_code,
        headers=HEADERS,
    )


def refused_key(exc: Exception | None, code: str | None = None) -> tuple[str, dict[str, Any]]:
    """A refusal's words (a key under console.): the access code or the workflow's, else a general one."""
    code = code or getattr(exc, "code", "other")
    context = getattr(exc, "context", None) or {}
    variables = {"head": context.get("head", "")} if code == "out_of_order" else {}
    key = f"refused.{code}"
    return (key, variables) if Words.known(key) else ("refused.other", {})
