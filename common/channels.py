"""Channel names. Rasa names an input channel by provider and kind ('twilio_whatsapp',
'gateway_sms', 'twilio_voice'; 'rest' in tests); messages are worded and sent per kind."""

from dataclasses import dataclass, fields

WHATSAPP = "whatsapp"
SMS = "sms"
VOICE = "voice"
KINDS = (WHATSAPP, SMS, VOICE)  # each has its variant of a reply in locales/
TEXT_CHANNELS = (WHATSAPP, SMS)  # what a person can be written to on

TWILIO_WHATSAPP = "twilio_whatsapp"
TWILIO_SMS = "twilio_sms"
TWILIO_VOICE = "twilio_voice"
GATEWAY_SMS = "gateway_sms"


def kind_of(channel: str | None) -> str | None:
    """'twilio_whatsapp' -> 'whatsapp', 'gateway_sms' -> 'sms'; None for a channel of no kind ('rest')."""
    name = (channel or "").lower()
    return next((kind for kind in KINDS if kind in name), None)


def text_channel_for(channel: str | None) -> str | None:
    """Where a person who came on this channel is written to: WhatsApp stays WhatsApp; SMS and
    voice callers get SMS; a channel of no kind has no phone to reach."""
    kind = kind_of(channel)
    return SMS if kind == VOICE else kind


@dataclass(frozen=True)
class Contact:
    """Where and how a person gets messages: a citizen from their case, an official from the roster."""

    phone: str
    channel: str  # whatsapp | sms
    language: str = "en"
    latin_script: bool = False  # writes Hindi/Odia in Latin letters: SMS to them is in Latin letters too


@dataclass(frozen=True)
class Claim:
    """The backend's answer to a channel that claims an inbound message (or a voice step)."""

    first: bool  # this claimant handles it; False: a repeat (Twilio's retry, a second worker)
    opted_out: bool
    menu: dict[str, str] | None  # the numbered options last shown, so "2" means the second
    response: str | None  # for a repeated voice step: what the first one answered
    inbound_id: int | None = None
    turn: str | None = None  # the grant to act for the phone (given with a first claim)
    staff: bool = False  # a call from a person who works cases: the staff's call answers it, not the IVR


CLAIM_FIELDS = tuple(f.name for f in fields(Claim))
REQUIRED_CLAIM_FIELDS = ("first", "opted_out")

# An action's message may carry numbered answers as {"0": payload, ...} under this name, when its
# words list them (a notice's verdict asked again: 0 for "not solved" is no button's number).
NUMBERED_ANSWERS = "numbered_answers"
# A message that goes on with the question of the one before (one choice of a menu said by itself,
# its Odia words recorded per choice): a call asks the whole run again after a silence.
CONTINUES_QUESTION = "continues_question"
