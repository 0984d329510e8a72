"""The channel's local spool: what it keeps survives the process, a repeated sid is kept once, and
a sender's messages come back in the order they arrived."""
from channels.spool import Spool

PAYLOAD = {"sender": "whatsapp:+919437000001", "text": "hello", "metadata": {"channel": "whatsapp"}}


def test_kept_messages_survive_a_restart_in_order_and_once(tmp_path):
    spool = Spool(tmp_path / "spool.db")
    assert spool.keep("whatsapp", "SM1", "whatsapp:+919437000001", PAYLOAD) is True  # first of theirs: tell them
    assert spool.keep("whatsapp", "SM1", "whatsapp:+919437000001", PAYLOAD) is False  # Twilio's retry
    assert spool.keep("whatsapp", "SM2", "whatsapp:+919437000001", {**PAYLOAD, "text": "1"}) is False  # told already
    assert spool.keep("sms", "SM3", "+919437000002", PAYLOAD) is True

    reopened = Spool(tmp_path / "spool.db")  # the process died and came back
    assert [(k.sid, k.payload["text"]) for k in reopened.waiting("whatsapp")] == [("SM1", "hello"), ("SM2", "1")]
    assert reopened.holds("whatsapp", "whatsapp:+919437000001") and not reopened.holds("whatsapp", "+919437000002")
    reopened.forget("whatsapp", "SM1")
    reopened.forget("whatsapp", "SM2")
    assert reopened.waiting("whatsapp") == [] and not reopened.holds("whatsapp", "whatsapp:+919437000001")
    assert [k.sid for k in reopened.waiting("sms")] == ["SM3"]
