"""Channel names: Rasa's input channels -> the kind a reply is worded for and the channel written to."""
import pytest

from common.channels import kind_of, text_channel_for


@pytest.mark.parametrize("channel, kind, written_to", [
    ("twilio_whatsapp", "whatsapp", "whatsapp"),
    ("whatsapp", "whatsapp", "whatsapp"),
    ("twilio_sms", "sms", "sms"),
    ("gateway_sms", "sms", "sms"),
    ("twilio_voice", "voice", "sms"),  # a caller is written to by SMS
    ("rest", None, None),
    (None, None, None),
])
def test_kind_and_where_to_write(channel, kind, written_to):
    assert kind_of(channel) == kind
    assert text_channel_for(channel) == written_to
