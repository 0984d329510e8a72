"""The channel's local spool: what it keeps survives the process, a repeated sid is kept once, and
a sender's messages come back in the order they arrived."""
from channels.spool import Spool

PAYLOAD = {"sender": "whatsapp:+919437000001", "text": "hello", "metadata": {"channel": "whatsapp"}}


def test_kept_messages_survive_a_restart_in_order_and_once(tmp_path):
    spool = Spool(tmp_path / "spool.db")
    assert spool.keep("twilio_whatsapp", "SM1", "whatsapp:+919437000001", PAYLOAD) is True  # first of theirs: tell them
    assert spool.keep("twilio_whatsapp", "SM1", "whatsapp:+919437000001", PAYLOAD) is False  # Twilio's retry
    assert spool.keep("twilio_whatsapp", "SM2", "whatsapp:+919437000001", {**PAYLOAD, "text": "1"}) is False  # told already
    assert spool.keep("twilio_sms", "SM3", "+919437000002", PAYLOAD) is True

    assert (tmp_path / "spool.db").stat().st_mode & 0o777 == 0o600  # citizens' words: this user only
    reopened = Spool(tmp_path / "spool.db")  # the process died and came back
    assert [(k.sid, k.payload["text"]) for k in reopened.waiting("twilio_whatsapp")] == [("SM1", "hello"), ("SM2", "1")]
    assert reopened.holds("twilio_whatsapp", "whatsapp:+919437000001") and not reopened.holds("twilio_whatsapp", "+919437000002")
    reopened.forget("twilio_whatsapp", "SM1")
    reopened.forget("twilio_whatsapp", "SM2")
    assert reopened.waiting("twilio_whatsapp") == [] and not reopened.holds("twilio_whatsapp", "whatsapp:+919437000001")
    # Both SMS inputs share the file; only the one that took the message drains it (twice was seen).
    assert reopened.waiting("gateway_sms") == [] and [k.sid for k in reopened.waiting("twilio_sms")] == ["SM3"]
