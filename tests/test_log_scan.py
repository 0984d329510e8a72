"""The scan the end-to-end suite runs on the stacks' logs finds a whole number however it is
written, and lets masked numbers, Twilio's sandbox numbers and other long digit runs pass."""
import tempfile
from pathlib import Path

import pytest

from tests.log_scan import scan, whole_numbers


@pytest.mark.parametrize("line", [
    'INFO:     127.0.0.1:5000 - "GET /sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json?To=whatsapp%3A%2B919437100017 HTTP/1.1" 200 OK',
    "2026-12-02 INFO sending to +919437100017",
    "Key (phone)=(+919437300101) already exists.",
    "sender_id=919800000101",  # no plus
    "called 9876543210.",  # national digits only
    "To=%2b919437100017",
])
def test_a_whole_number_is_found(line):
    [report] = whole_numbers(["fine", line], "backend.log")
    assert report.startswith("backend.log:2: ")
    assert not whole_numbers([report])  # the report masks the number it found


@pytest.mark.parametrize("line", [
    'INFO:     127.0.0.1:5000 - "GET /Messages.json?To=whatsapp%3A***0017 HTTP/1.1" 200 OK',
    "grievance GRV-2026-000001 filed for ***0017 in BMC-W29",
    "POST /sandbox/twilio/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
    "From whatsapp:+14155238886 to SMS +15005550006",  # Twilio's sandbox numbers, nobody's phone
    "took 1733105000123 ms", "outbox_id=12345", "model sathi-1eb224a7e1fb632d",
])
def test_what_is_not_a_whole_number_passes(line):
    assert whole_numbers([line]) == []


def test_the_scan_reads_every_stacks_logs():
    # Outside pytest's temporary directory: the session's own scan of the stacks' logs reads all of it.
    with tempfile.TemporaryDirectory() as directory:
        _scan_reads_every_stacks_logs(Path(directory))


def _scan_reads_every_stacks_logs(root: Path) -> None:
    (root / "var0" / "log").mkdir(parents=True)
    (root / "faults" / "log").mkdir(parents=True)
    (root / "var0" / "log" / "backend.log").write_text("started\nsent to ***0017\n")
    assert scan(root) == []
    (root / "faults" / "log" / "rasa.log").write_text("ok\nsender +919437100017 said hi\n")
    assert scan(root) == ["faults/log/rasa.log:2: sender ***0017 said hi"]
