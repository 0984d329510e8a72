"""The check run on every stack's logs after the end-to-end tests: no phone number whole in any
line. Every number the tests use is an Indian mobile (+91 and ten digits from 6-9), as are the
officials' on the roster, so the scan looks for any such number, written as Twilio does, bare or
URL-encoded; a masked one (***0017) is what the logs should hold instead."""
import re
from pathlib import Path

from backend.logging_setup import mask_numbers

WHOLE_NUMBER = re.compile(r"(?<!\d)(?:\+|%2[Bb])?(?:91)?[6-9]\d{9}(?!\d)")


def whole_numbers(lines: list[str], source: str = "") -> list[str]:
    """Where a number appears whole: `source:line: the line, masked` (so the report itself does not
    repeat the number)."""
    return [f"{source}:{n}: {mask_numbers(line.strip())[:200]}" for n, line in enumerate(lines, 1) if WHOLE_NUMBER.search(line)]


def scan(root: Path) -> list[str]:
    """Every stack's logs under root (a Stack writes <var_dir>/log/<process>.log)."""
    found = []
    for log in sorted(root.rglob("log/*.log")):
        found += whole_numbers(log.read_text(errors="replace").splitlines(), str(log.relative_to(root)))
    return found
