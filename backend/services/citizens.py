"""Citizens as phone numbers: one normal form for every channel, and the language they chose."""

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import Citizen
from backend.privacy import mask_phone
from common.channels import WHATSAPP
from common.languages import DEFAULT_LANGUAGE
from common.phones import normalise_phone
from locales.detect import detect

__all__ = ["normalise_phone"]  # the services and the API have it from here

logger = logging.getLogger(__name__)


def chosen_language(session: Session, *, phone: str) -> str | None:
    citizen = session.get(Citizen, normalise_phone(phone))
    return citizen.language if citizen else None


def choose_language(session: Session, *, phone: str, language: str, now: datetime) -> None:
    key = normalise_phone(phone)
    for attempt in (1, 2):  # two first choices for one new phone at once: the loser updates
        citizen = session.get(Citizen, key)
        if citizen is None:
            citizen = Citizen(phone=key)
            session.add(citizen)
        citizen.language = language
        citizen.updated_at = now
        try:
            session.commit()
            break
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    logger.info("language %s chosen for %s", language, mask_phone(key))


def _citizen(session: Session, phone: str, now: datetime) -> Citizen:
    key = normalise_phone(phone)
    citizen = session.get(Citizen, key)
    if citizen is None:
        citizen = Citizen(phone=key, updated_at=now)
        session.add(citizen)
    return citizen


def citizen_or_none(session: Session, phone: str) -> Citizen | None:
    return session.get(Citizen, normalise_phone(phone))


def set_opted_out(session: Session, *, phone: str, opted_out: bool, now: datetime) -> Citizen:
    """STOP (or Twilio's 21610) and START. The caller commits, with the confirmation it queues."""
    citizen = _citizen(session, phone, now)
    citizen.opted_out_at = now if opted_out else None
    citizen.updated_at = now
    logger.info("%s %s", mask_phone(citizen.phone), "opted out" if opted_out else "opted back in")
    return citizen


def touch_inbound(session: Session, *, phone: str, channel: str, now: datetime, text: str = "") -> Citizen:
    """Remembers when the citizen last wrote, which opens WhatsApp's 24-hour window, and whether
    they write Hindi or Odia in Latin letters (a message that clearly tells; English or a number
    leaves it as it was), so the notices they get by SMS are written the same way."""
    citizen = _citizen(session, phone, now)
    if channel == WHATSAPP:
        citizen.whatsapp_last_inbound_at = now
    detection = detect(text) if text and not text.startswith("/") else None
    if detection and detection.decisive and detection.language not in (None, DEFAULT_LANGUAGE):
        citizen.latin_script = detection.latin_script
    return citizen


def set_menu(session: Session, *, phone: str, menu: dict[str, str] | None, now: datetime) -> None:
    citizen = _citizen(session, phone, now)
    citizen.menu = menu or None
