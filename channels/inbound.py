"""Twilio's inbound webhook forms, decoded into one typed shape (courier: decode, then normalise)."""

from dataclasses import dataclass, field
from typing import Any

from locales.script import clean_text

MAX_MEDIA = 10  # Twilio sends at most 10 MediaUrlN


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class InboundText:
    sid: str
    sender: str  # as Twilio wrote it: "whatsapp:+91..." or "+91..."
    text: str
    media: list[Media] = field(default_factory=list)
    location: Location | None = None

    def __post_init__(self) -> None:
        # NUL and lone surrogates never reach the conversation, the spool or the backend.
        object.__setattr__(self, "sender", clean_text(self.sender))
        object.__setattr__(self, "text", clean_text(self.text))

    def metadata(self, channel: str) -> dict[str, Any]:
        """What the conversation gets besides the text (never the phone number or profile name)."""
        data: dict[str, Any] = {"channel": channel}
        if self.media:
            data["media"] = [{"url": m.url, "content_type": m.content_type} for m in self.media]
        if self.location:
            data["location"] = {
                "latitude": self.location.latitude,
                "longitude": self.location.longitude,
                "address": self.location.address,
                "label": self.location.label,
            }
        return data

    def payload(self, channel: str) -> dict[str, Any]:
        """What is kept so the turn can run again after a crash: the sender as the provider wrote
        it (the conversation's id), the text and the metadata."""
        return {"sender": self.sender, "text": self.text, "metadata": self.metadata(channel)}


class MalformedWebhook(ValueError):
    pass


def parse_message(form: dict[str, str]) -> InboundText:
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        raise MalformedWebhook("MessageSid and From are required")
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = [
        Media(form[f"MediaUrl{i}"], form.get(f"MediaContentType{i}", "application/octet-stream"))
        for i in range(count)
        if form.get(f"MediaUrl{i}")
    ]
    location = None
    if form.get("Latitude") and form.get("Longitude"):
        try:
            location = Location(float(form["Latitude"]), float(form["Longitude"]), form.get("Address"), form.get("Label"))
        except ValueError:
            location = None
    # A tapped template button sends its payload; that is what the conversation should get.
    text = form.get("ButtonPayload") or form.get("Body") or ""
    return InboundText(sid=sid, sender=sender, text=text, media=media, location=location)
