"""Request and response bodies of the public API."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from backend.models import PHONE_CHARS
from backend.services.doorstep import PURPOSES
from common.languages import DEFAULT_LANGUAGE, LANGUAGE_PATTERN
from common.limits import MAX_ANSWER_CHARS, MAX_CHANNEL_NAME_CHARS, MAX_FORM_FIELDS, MAX_MESSAGE_BODY_CHARS, MAX_TEXT_CHARS

Phone = Annotated[str, Field(min_length=1, max_length=PHONE_CHARS)]
Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]
# The largest value of an integer column (PostgreSQL `integer`): a larger id or version is refused
# as invalid input rather than failing in the database.
INT_COLUMN_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=INT_COLUMN_MAX)]
Claimant = Annotated[str, Field(min_length=1, max_length=40)]  # a channel process (models.InboundMessage.claimant)


class SubcategoryOut(BaseModel):
    code: str
    department: str
    sla_hours: int


class CategoryOut(BaseModel):
    code: str
    department: str
    sla_hours: int
    subcategories: list[SubcategoryOut]


class DisposalOut(BaseModel):
    plant: str
    volume_litres: int
    at: datetime


class CaseStatusOut(BaseModel):
    """The status anyone with the number may read: nothing personal, and not who holds the case
    (the holder's kind only)."""

    reference: str
    service: str
    state: str
    version: int
    escalations: int = 0
    holder: str | None = None  # official | supervisor | nobody | done (on the status endpoints)
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    # When the case reached its state, once no one has to act on it (finished cases say when).
    settled_at: datetime | None = None
    visit_on: date | None = None  # a visit service: the day the citizen booked
    vehicle: str | None = None  # desludging: the vehicle on its way
    disposal: DisposalOut | None = None  # desludging: where the waste went


class CaseOut(CaseStatusOut):
    """The case as the staff who act on it see it after an action: also whom it is with now."""

    assignee_id: str | None = None


class CaseActionIn(BaseModel):
    """An official's action; who acts is whoever signed in (never a role or id in the body)."""

    action: str = Field(max_length=40)
    # What some services' steps need: a reason to take a certificate out of queue order, the
    # plant and volume of a desludging disposal.
    out_of_order_reason: str | None = Field(default=None, max_length=500)
    plant: str | None = Field(default=None, max_length=40)
    volume_litres: Annotated[int, Field(ge=0, le=INT_COLUMN_MAX)] | None = None
    reason: str | None = Field(default=None, max_length=2000)
    expected_version: Annotated[int, Field(ge=0, le=INT_COLUMN_MAX)] | None = None
    assignee_id: str | None = Field(default=None, max_length=40)


class HistoryOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    reason: str | None
    at: datetime


class CitizenIn(BaseModel):
    phone: Phone


class LanguageChoiceIn(CitizenIn):
    language: Language


class LanguageOut(BaseModel):
    language: str | None


class TurnPayload(BaseModel):
    """What a channel needs to run a turn again: the sender as the provider wrote it (the
    conversation's id), the text and the message's metadata (media, location)."""

    sender: str = Field(min_length=1, max_length=PHONE_CHARS + 16)
    text: str = Field(default="", max_length=65_536)
    metadata: dict[str, Any] = Field(default_factory=dict)


class InboundClaimIn(BaseModel):
    provider: str = Field(max_length=24)
    external_id: str = Field(min_length=1, max_length=80)
    channel: str = Field(pattern=r"^(whatsapp|sms|voice)$")
    phone: Phone
    # A text message's turn, kept until its replies are queued (none for a voice step).
    payload: TurnPayload | None = None
    # Which channel process holds the turn (its own retry of a lost answer is still "first").
    claimant: Claimant | None = None


class UnfinishedIn(BaseModel):
    provider: str = Field(max_length=24)
    channel: str = Field(pattern=r"^(whatsapp|sms)$")
    claimant: Claimant
    limit: int = Field(default=20, ge=1, le=100)


class UnfinishedTurnOut(BaseModel):
    inbound_id: int
    external_id: str
    payload: TurnPayload
    attempts: int
    turn: str  # the grant to act for the message's phone


class RetryLaterIn(BaseModel):
    claimant: Claimant
    delay_seconds: float = Field(ge=0, le=3600)


class TurnStartIn(BaseModel):
    claimant: Claimant


class TurnStartOut(BaseModel):
    opted_out: bool
    menu: dict[str, str] | None
    lease_seconds: float  # renew before it runs out
    turn: str  # the grant to act for the message's phone while the turn runs
    with_person: bool = False  # the citizen's conversation with a person is open: send the message there
    staff: bool = False  # a person who works cases wrote: the staff's chat answers (/staff)


class StaffCallIn(BaseModel):
    """A step of a staff member's call: what they pressed or said (what it means, the backend keeps)."""

    model_config = ConfigDict(extra="forbid")  # a menu, a person or a case here would be a forgery

    text: str = Field(default="", max_length=MAX_TEXT_CHARS)


class SpokenPhrase(BaseModel):
    key: str  # the locale key it was said by ("" for words said as they are)
    variables: dict[str, str]
    text: str


class StaffCallOut(BaseModel):
    outcome: str  # answered | not_staff (the citizens' IVR answers)
    language: str | None = None
    said: list[SpokenPhrase] = []
    menu: dict[str, str] = {}  # what each key means next (the channel checks a key is one of them)
    words: bool = False  # the next answer is words (spoken), not keys
    question: int = 0  # how many of the last phrases a silence asks again (0: all)
    one_key: bool = False  # every choice is one key: taken as soon as it is pressed
    ends: bool = False  # the call is over


class InboundResponseIn(BaseModel):
    provider: str = Field(max_length=24)
    external_id: str = Field(min_length=1, max_length=80)
    response: str = Field(max_length=20000)


class InboundResponseOut(BaseModel):
    response: str


class OptOutIn(BaseModel):
    phone: Phone
    channel: str = Field(pattern=r"^(whatsapp|sms)$")
    opted_out: bool
    language: Language = DEFAULT_LANGUAGE
    inbound_id: RowId | None = None  # the message that said it, finished with it
    claimant: Claimant | None = None  # the process finishing that turn (it must still hold it)


class OptOutByWordsIn(BaseModel):
    phone: Phone
    channel: str = Field(pattern=r"^(whatsapp|sms)$")
    language: Language = DEFAULT_LANGUAGE


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_MESSAGE_BODY_CHARS)
    locale_key: str | None = Field(default=None, max_length=80)
    language: Language = DEFAULT_LANGUAGE
    variables: dict[str, str] = Field(default_factory=dict)
    media_url: str | None = Field(default=None, max_length=2000)


class RepliesIn(BaseModel):
    channel: str = Field(pattern=r"^(whatsapp|sms)$")
    phone: Phone
    replies: list[ReplyIn] = Field(max_length=20)
    # Numbered options shown in these replies ({"1": payload}); absent leaves the last menu as is.
    menu: dict[str, str] | None = None
    kind: str = Field(default="reply", pattern=r"^(reply|summary)$")
    # The inbound turn these replies finish, by the process that holds it: queued once, however
    # often this is sent, and not at all by a process whose turn another has taken over.
    inbound_id: RowId | None = None
    claimant: Claimant | None = None


class OutboxOut(BaseModel):
    id: int
    channel: str
    recipient: str  # masked
    kind: str
    locale_key: str | None
    status: str
    attempts: int
    error_code: str | None
    error_detail: str | None
    created_at: datetime
    updated_at: datetime


class FeedbackIn(BaseModel):
    phone: Phone
    solved: bool
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)


class FeedbackOut(BaseModel):
    reference: str
    outcome: str  # closed | reopened
    state: str


class OpenVerdictIn(CitizenIn):
    reference: str | None = Field(default=None, max_length=40)
    asked_within_hours: float | None = Field(default=None, gt=0, le=24 * 30)  # only a question this recent
    about: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)  # a new complaint's words: only a case they may be about


class OpenVerdictOut(BaseModel):
    """The notice that asked for the verdict (its locale key and values) and its numbered answers."""

    reference: str
    key: str
    variables: dict
    state: str
    menu: dict[str, str]


class OfficialPerformanceOut(BaseModel):
    official_id: str
    resolved: int
    average_hours_to_resolve: float | None
    sla_compliance: float | None
    ratings: int
    average_rating: float | None


class CaseLookupIn(CitizenIn):
    reference: str = Field(min_length=1, max_length=40)
    language: Language = DEFAULT_LANGUAGE


class MyCasesIn(CitizenIn):
    language: Language = DEFAULT_LANGUAGE  # for names of places


# A form's answers so far: the citizen's words per field (a field's name is a catalog name, at most 40 characters)
FormAnswers = Annotated[
    dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=MAX_TEXT_CHARS)]],
    Field(max_length=MAX_FORM_FIELDS),
]


class AnswerIn(BaseModel):
    """A citizen's answer to one question, in the body: answers carry names and numbers that an
    access log must not keep."""

    q: str = Field(max_length=MAX_TEXT_CHARS + 1)  # one over the longest answer a field takes: a paste is told its limit
    language: Language = DEFAULT_LANGUAGE
    answers: FormAnswers = {}  # the words given to the form's other fields, where the service's fee depends on them


class LabelsIn(BaseModel):
    """A form's answers, to be worded for its summary in a language (the citizen changed language)."""

    answers: FormAnswers
    language: Language = DEFAULT_LANGUAGE


class AnswerOut(BaseModel):
    value: str | int | dict
    label: str = ""
    key: str | None = None  # the locale key of what it names, where it has one
    guessed: bool = False  # read from the citizen's words: to be confirmed
    fee_rupees: int | None = None  # what it will cost, once the answers that set the fee are given


class PaymentLinkIn(BaseModel):
    phone: Phone
    reference: str | None = Field(default=None, max_length=40)


class PaymentLinkOut(BaseModel):
    reference: str
    fee_rupees: float
    payment_url: str
    upi_link: str
    expires_at: datetime


class CertificateFieldOut(BaseModel):
    name: str
    type: str
    prompt: str
    min: int | None = None  # amount, number, size: the bounds, said when an answer is out of them
    max: int | None = None
    max_days_ahead: int | None = None  # future_date: how far ahead, said the same way
    invalid: str  # what a wrong answer hears
    ask_when: str | None = None  # fee: asked only when there is something to pay
    max_length: int | None = None  # text: the limit, said when an answer is over it (too_long)
    too_long: str | None = None
    with_photo: bool = False  # text: a photo sent with the answer is kept with it
    guess_also_answers: str | None = None  # category: the field a guess's words also answer
    guess_prompt: str | None = None  # category: whether a guess is right


class CertificateServiceOut(BaseModel):
    """A service's definition for its form: an application's, or a service's reached by its own
    intent (no number in the menu, no documents; its fee the answers set)."""

    code: str
    workflow: str = "certificate"  # the kind of filing: what a field agent's consent is for
    number: int | None = None
    fee_rupees: int = 0
    tatkal_fee_rupees: int | None = None
    sla_days: int | None = None
    tatkal_sla_days: int | None = None
    fields: list[CertificateFieldOut]
    documents: list[dict[str, str]] = []
    fee_set_by: list[str] = []  # the fields whose answers set the fee (their check returns it)
    replies: dict[str, str] = {}  # the form's replies this service words its own way
    confirm: bool = True  # a summary to confirm before filing
    opened_by_words: bool = False  # the opening words answer the first question where they can
    reopens: str | None = None  # an opening about the citizen's case just closed first asks this (reopen it?)


# A file a citizen sent (a channel's media link): only a web address is ever fetched.
MediaUrl = Annotated[str, Field(max_length=2000, pattern=r"^https?://")]


class CertificateIn(BaseModel):
    certificate_type: str = Field(max_length=40)
    answers: dict[str, str]  # the citizen's own words per field; the backend checks each again
    documents: dict[str, MediaUrl] = {}  # document code (or a field kept with_photo) -> WhatsApp media URL
    tatkal: bool = False
    citizen_phone: Phone
    language: Language = DEFAULT_LANGUAGE
    channel: str = Field(default="rest", max_length=MAX_CHANNEL_NAME_CHARS)


class CorrectionIn(BaseModel):
    phone: Phone
    answers: dict[str, str]
    documents: dict[str, MediaUrl] = {}


class CorrectionOut(BaseModel):
    """An application sent back to the citizen: which service, and what the office said."""

    reference: str
    certificate_type: str
    reason: str
    service: CertificateServiceOut | None = None  # its definition, so the form asks no more for it


class FieldAgentOut(BaseModel):
    id: str
    name: str


class DoorstepConsentIn(CitizenIn):
    """A field agent (the turn's phone) asks the citizen's consent: a code to the citizen's mobile."""

    citizen_phone: str = Field(min_length=1, max_length=40)
    purpose: str = Field(pattern=f"^({'|'.join(PURPOSES)})$")
    language: Language = "en"


class DoorstepCodeIn(CitizenIn):
    """The code the citizen read out to the agent."""

    citizen_phone: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=40)


class ServiceChoiceIn(CitizenIn):
    """The citizen's answer to "which application?", and their phone (a field agent files for others);
    the words that opened the form, where they may say more (a complaint told at once)."""

    q: str = Field(max_length=MAX_ANSWER_CHARS)
    opening: str | None = Field(default=None, max_length=MAX_TEXT_CHARS + 1)
    language: Language = DEFAULT_LANGUAGE


class ServiceChoiceOut(BaseModel):
    """The service chosen, with its definition (None when the answer names none); the number of
    the menu's last line (for "choose 1 to N"); the field agent's name when the phone is one's."""

    service: CertificateServiceOut | None
    last: int
    agent: FieldAgentOut | None = None
    # Where the service is opened by words: what they answer to its first question, and the citizen's
    # own case just closed they may be about (where it reopens, and the phone is no field agent's).
    first_answer: AnswerOut | None = None
    reopen: OpenVerdictOut | None = None


class CertificateOut(BaseModel):
    reference: str
    state: str
    fee_rupees: float
    office: str
    office_label: str
    payment_url: str | None = None
    upi_link: str | None = None
    payment_expires_at: datetime | None = None


class QueueItemOut(BaseModel):
    reference: str
    certificate_type: str
    state: str
    lane: str
    queued_at: str


class CertificateActionIn(BaseModel):
    action: str = Field(pattern=r"^(VERIFY|APPROVE|REJECT|SEND_BACK|REVOKE)$")
    reason: str | None = Field(default=None, max_length=500)
    out_of_order_reason: str | None = Field(default=None, max_length=500)  # to take one out of queue order


class VerificationOut(BaseModel):
    status: str  # genuine | tampered | revoked | unknown
    reference: str = ""
    certificate_type: str | None = None
    name: str | None = None
    issued_on: str | None = None
    office: str | None = None


class SignInCodeIn(BaseModel):
    phone: Phone


class SignInIn(BaseModel):
    phone: Phone
    code: str = Field(min_length=1, max_length=12)
