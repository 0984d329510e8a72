"""A burst: 40 WhatsApp phones writing at once, three messages each sent back to back, through the
Twilio channel code. Every message is answered exactly once and in order (the backend pool, the
channel's retries and the durable turns together; 8 of 120 were lost before)."""
from concurrent.futures import ThreadPoolExecutor

import locales

MESSAGES = ("help", "status GRV-2026-999999", "hi")


def expected(key: str, **variables: object) -> str:
    return locales.render(key, "en", "twilio_whatsapp", **variables)["text"]


def test_forty_phones_at_once_every_message_answered_once_in_order(twilio):
    phones = [twilio.text("whatsapp", f"+9194381{i:05d}") for i in range(40)]

    def burst(phone) -> list[int]:
        return [phone.send(text).status_code for text in MESSAGES]

    def replies(phone) -> list[str]:
        arrived = phone.wait_for_replies(timeout=120, at_least=len(MESSAGES))
        return arrived + phone.wait_for_replies(timeout=3, at_least=10_000)  # a duplicate would arrive now

    with ThreadPoolExecutor(len(phones)) as pool:
        assert list(pool.map(burst, phones)) == [[200] * len(MESSAGES)] * len(phones)
        received = list(pool.map(replies, phones))
    unknown = expected("utter_unknown_reference", reference="GRV-2026-999999")
    for phone, got in zip(phones, received):
        assert len(got) == len(MESSAGES), (phone.address, got)
        assert got[1] == unknown, (phone.address, got)
        assert got[0].startswith(expected("utter_help").split("\n")[0]), (phone.address, got)
