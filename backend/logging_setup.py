"""Whole phone numbers never reach the server's own logs: uvicorn's access log prints every path
with its query (the outbox's in-doubt lookup asks the provider `Messages.json?To=%2B91…`, and the
sandbox logs that request; a standalone outbox worker logs httpx's request lines with the same
URL), and an error's traceback can carry a database's own words (PostgreSQL: `Key (phone)=(+91…)
already exists`), so a filter masks every run of digits as long as a phone number in what
uvicorn's loggers and the process's handlers print, before they format it."""

import logging
import re

from backend.privacy import mask_phone

# A number as Twilio writes it (+91…, 10 to 15 digits), also URL-encoded (%2B91…) or bare; longer
# runs of digits (account ids, hashes) are not phone numbers.
PHONE_LIKE = re.compile(r"(?:\+|%2[Bb])?(?<!\d)\d{10,15}(?!\d)")
LOGGERS = ("uvicorn.access", "uvicorn.error")


def mask_numbers(text: str) -> str:
    return PHONE_LIKE.sub(lambda match: mask_phone(match.group()), text)


class MaskPhoneNumbers(logging.Filter):
    """Masks a record's message in place, and the traceback text of its exception. uvicorn's access
    formatter unpacks the arguments, so there each argument is masked and their shape kept;
    elsewhere the message is formatted first, since an argument may be an object whose text holds
    a number (httpx logs each request's URL as an httpx.URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(mask_numbers(a) if isinstance(a, str) else a for a in record.args)
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # arguments that do not fit: logging reports it as it would
                return True
            record.msg, record.args = mask_numbers(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_numbers(logging.Formatter().formatException(record.exc_info))
        return True


def install() -> None:
    """Once per process, however many apps are made (the tests make one each): on uvicorn's loggers,
    and on every handler configured so far and Python's last-resort one (where the backend's own
    warnings go when nothing else is configured), so records that propagate are masked too."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in LOGGERS]
    for name in ("", "uvicorn", *LOGGERS):
        targets += logging.getLogger(name).handlers
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not any(isinstance(f, MaskPhoneNumbers) for f in target.filters):
            target.addFilter(MaskPhoneNumbers())
