"""The service catalog (ServicePlus: a department defines a service without code).

Each file in catalog/ is one service: its code, the words that name it, its workflow and its form's
fields (type, limits, the locale key that asks for it). An application (a line in the applications
menu, filed to an office) adds its reference prefix, place in the menu, documents, fee and Tatkal
fee, SLA, the level that processes it, and how citizens ask for it (scripts/catalog_nlu.py turns that
into training data). A service the main menu reaches by its own intent (desludging) has no number:
its form is checked by the same engine (backend/services/answers.py), its filing is its own. Loading checks everything a
running service would trip over later (a prompt with no words in some language, an unknown
workflow, a choice without options) and names the file and the place of the mistake."""

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, create_model, model_validator

import locales
from backend.workflow import WorkflowDef
from common.limits import MAX_ANSWER_CHARS, MAX_FORM_FIELDS, MAX_TEXT_CHARS
from common.places import pin_code

FieldType = Literal[
    "name", "text", "amount", "number", "size", "pin", "past_date", "future_date", "choice", "category", "place"
]  # fmt: skip
PlaceKind = Literal["ward", "village"]
# The forms of writing the assistant learns from (data/nlu/<form>/): a service's asked_as examples.
FORMS_OF_WRITING = ("en", "hi", "hi-latn", "or", "or-latn")


class DefinitionError(Exception):
    """A service definition that cannot be used; the message names the file and the mistake."""


class Option(BaseModel, extra="forbid"):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    words: list[str] = []
    fee_rupees: int | None = Field(default=None, ge=0)  # where the service's fee comes from this choice (fee_from)
    litres: int | None = Field(default=None, ge=1)  # what a visit carries when this is chosen (the vehicle must hold it)


class FieldDef(BaseModel, extra="forbid"):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    prompt: str
    min: int | None = None  # amount, number, size (in litres)
    max: int | None = None
    min_length: int = 2  # text
    max_length: int = 200
    none_words: list[str] = []  # text: the words that answer "none" (no landmark), kept as an empty answer
    max_days_ahead: int | None = Field(default=None, ge=0)  # future_date: from today to today + this
    options: list[Option] = []  # choice; size: the sizes offered, each with its litres
    option_key: str | None = None  # the locale prefix of the options' words, where not certificate_option.<name>
    # category: one of the complaint categories (backend/services/categories.py), chosen or guessed from words
    place_kinds: list[PlaceKind] = ["ward", "village"]  # place: what it may be (a complaint is about a town's ward)
    invalid: str | None = None  # what a wrong answer hears, where not cert_invalid.<type>
    ask_when: Literal["fee"] | None = None  # fee: asked only when there is something to pay (how to pay)
    too_long: str | None = None  # text: what an answer over max_length hears (told the limit), where not `invalid`
    with_photo: bool = False  # text: a photo sent with the answer is kept with it (alone, it asks for the words too)
    # category: a guess's words, when they say enough, also answer this text field (a complaint told at once
    # is its own description)
    guess_also_answers: str | None = None
    guess_prompt: str | None = None  # category: the question that asks whether a guess is right ({answer} names it)

    @model_validator(mode="after")
    def _fits_its_type(self) -> "FieldDef":
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError(f"field {self.name}: a choice needs at least two options")
        if self.type not in ("choice", "size") and self.options:
            raise ValueError(f"field {self.name}: only a choice has options")
        if self.type == "size" and any(o.litres is None for o in self.options):
            raise ValueError(f"field {self.name}: every size offered needs its litres")
        if self.type in ("amount", "number", "size") and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError(f"field {self.name}: an {self.type} needs min <= max")
        if (self.type == "future_date") != (self.max_days_ahead is not None):
            raise ValueError(f"field {self.name}: max_days_ahead is for a future_date, and it needs one")
        if self.none_words and self.type != "text":
            raise ValueError(f"field {self.name}: only a text has none_words")
        if not self.place_kinds:
            raise ValueError(f"field {self.name}: place_kinds names no kind of place")
        if self.type != "text" and (self.too_long or self.with_photo):
            raise ValueError(f"field {self.name}: only a text has too_long or with_photo")
        if self.type == "text" and self.max_length > MAX_TEXT_CHARS:
            raise ValueError(f"field {self.name}: a text is at most {MAX_TEXT_CHARS} characters")
        if (self.guess_also_answers or self.guess_prompt) and self.type != "category":
            raise ValueError(f"field {self.name}: only a category is guessed")
        if self.type == "category" and not self.guess_prompt:
            raise ValueError(f"field {self.name}: a category needs guess_prompt, to confirm a guess from words")
        self.invalid = self.invalid or f"cert_invalid.{self.type}"  # the conversation reads it with the definition
        return self

    @property
    def max_chars(self) -> int:
        """The longest answer it takes: a text's own limit; a category is guessed from the first
        MAX_ANSWER_CHARS of a longer message (what it is about is said first)."""
        if self.type == "text":
            return self.max_length
        return MAX_TEXT_CHARS if self.type == "category" else MAX_ANSWER_CHARS

    @property
    def options_key(self) -> str:
        return self.option_key or f"certificate_option.{self.name}"

    def holds(self, value: Any, today: date) -> bool:
        """Whether a value kept for this field (by check_answer, or sent to be filed) is one it allows."""
        if self.type in ("amount", "number", "size"):
            low, high = self.min or 0, self.max or 0  # both set on these types (checked above)
            return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        if self.type == "choice":
            return value in {o.code for o in self.options}
        if self.type == "pin":
            return isinstance(value, str) and pin_code(value) == value
        if self.type in ("past_date", "future_date"):
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                return False
            if self.type == "past_date":
                return date(1900, 1, 1) <= day <= today
            return today <= day <= today + timedelta(days=self.max_days_ahead or 0)
        if self.type == "text":
            return isinstance(value, str) and (value == "" and bool(self.none_words) or 0 < len(value) <= self.max_length)
        if self.type == "place":
            return isinstance(value, dict) and value.get("kind") in self.place_kinds
        if self.type == "category":
            return isinstance(value, dict) and bool(value.get("code"))
        return bool(value)  # name


class TariffDef(BaseModel, extra="forbid"):
    """A fee from a table of rates (backend/masterdata/<table>.yml, its `tariff`): the rupees of the
    row of the place's tariff area and the column of a choice, times a number, waived by a yes where
    the row says so (backend/services/fees.py reads it)."""

    table: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    area: str  # a place field: its tariff area picks the row
    rate_by: str  # a choice field: its option's code picks the rate in the row
    times: str | None = None  # a number field the rate is multiplied by (trips)
    waived_by: str | None = None  # a yes/no choice field: "yes" waives the fee...
    waived_where: str | None = None  # ...where the row says so (slum_free: true, or the rate_by kinds it covers)

    def inputs(self) -> list[str]:
        return [f for f in (self.area, self.rate_by, self.times, self.waived_by) if f]


class DocumentDef(BaseModel, extra="forbid"):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    key: str


class ProcessedAt(BaseModel, extra="forbid"):
    # ulb for a village: the town that serves it (its operators come out to the gram panchayats)
    rural: Literal["block", "district", "ulb"]
    urban: Literal["ulb", "district"]


class ServiceForm(BaseModel, extra="forbid"):
    """What every service defines: its code, the words that name it, its workflow and its form."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    words: list[str] = []
    workflow: str
    fields: list[FieldDef]
    tariff: TariffDef | None = None  # a fee from a table of rates, by the answers
    # The form's replies this service words its own way: the general reply -> this service's key
    # ("your application goes to the office" is not what a tanker booking hears).
    replies: dict[str, str] = {}
    confirm: bool = True  # the answers are read back to be confirmed before filing (a complaint is filed at once)
    opened_by_words: bool = False  # the words that open the form answer its first question where they can
    # An opening that may be about the citizen's own case just closed first asks this (whether to reopen it).
    reopens: str | None = None

    @model_validator(mode="after")
    def _fields_consistent(self) -> "ServiceForm":
        names = [f.name for f in self.fields]
        for field in self.fields:
            target = field.guess_also_answers
            if target and (
                target not in names or self.field(target).type != "text" or names.index(target) < names.index(field.name)
            ):
                raise ValueError(f"field {field.name}: guess_also_answers {target!r} is not a text field after it")
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        if len(names) > MAX_FORM_FIELDS:
            raise ValueError(f"a form asks at most {MAX_FORM_FIELDS} questions")
        if [f for f in self.fields if f.type == "place"] == []:
            raise ValueError("one field must be of type place: applications are routed by it")
        if self.tariff is not None:
            self._check_tariff(self.tariff, {f.name: f for f in self.fields})
        for field in self.fields:
            if field.ask_when == "fee":
                inputs = self.fee_inputs()
                if not inputs:
                    raise ValueError(f"field {field.name}: ask_when fee needs a fee the answers set (tariff or fee_from)")
                if names.index(field.name) < max(names.index(i) for i in inputs):
                    raise ValueError(f"field {field.name}: ask_when fee must come after {', '.join(inputs)}, which set the fee")
        return self

    @staticmethod
    def _check_tariff(tariff: TariffDef, fields: dict[str, FieldDef]) -> None:
        wanted = {"area": (tariff.area, "place"), "rate_by": (tariff.rate_by, "choice"), "times": (tariff.times, "number")}
        wanted["waived_by"] = (tariff.waived_by, "choice")
        for role, (name, kind) in wanted.items():
            if name is not None and (name not in fields or fields[name].type != kind):
                raise ValueError(f"tariff: {role} {name!r} is not a {kind} field of this service")
        if (tariff.waived_by is None) != (tariff.waived_where is None):
            raise ValueError("tariff: waived_by and waived_where go together")
        if tariff.waived_by is not None and "yes" not in {o.code for o in fields[tariff.waived_by].options}:
            raise ValueError(f"tariff: waived_by {tariff.waived_by!r} needs a 'yes' option")

    def fee_inputs(self) -> list[str]:
        """The fields whose answers set the fee (none where it is fixed)."""
        return self.tariff.inputs() if self.tariff else []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fee_set_by(self) -> list[str]:
        """fee_inputs, for the conversation (forgetting one of them forgets the fee)."""
        return self.fee_inputs()

    def field(self, name: str) -> FieldDef:
        return next(f for f in self.fields if f.name == name)

    def locale_keys(self, *, issues_document: bool = True) -> list[str]:
        """The words its form needs in every language: each question, what a wrong answer hears, each
        option's name (a size is said by its litres)."""
        keys = [f"certificate.{self.code}"]  # what the form's replies call it ("your {certificate} ...")
        keys += [f"cert_label.{f.name}" for f in self.fields]  # each answer's label in its summary
        keys += [f.prompt for f in self.fields]
        keys += sorted({str(f.invalid) for f in self.fields} | {f.too_long for f in self.fields if f.too_long})
        keys += self.replies.values()
        keys += [key for key in [self.reopens, *(f.guess_prompt for f in self.fields)] if key]
        return keys + [f"{f.options_key}.{o.code}" for f in self.fields if f.type == "choice" for o in f.options]


class ServiceDef(ServiceForm):
    """An application: a line in the applications menu, filed to an office (or served at the door)
    by the catalog's own engine (backend/services/certificates.py)."""

    number: int = Field(ge=1, le=9)  # its place in the menu, and the digit that picks it
    reference_prefix: str = Field(pattern=r"^[A-Z]{3}$")
    department: str | None = None  # who serves it, when not the workflow's (supervisors, ratings)
    fee_rupees: int = Field(ge=0)
    fee_from: str | None = None  # a choice field whose options each carry their fee (a 5,000 or 10,000 litre tanker)
    tatkal_fee_rupees: int | None = Field(default=None, ge=0)
    sla_days: int = Field(ge=1)
    tatkal_sla_days: int | None = Field(default=None, ge=1)
    processed_at: ProcessedAt
    documents: list[DocumentDef] = []
    asked_as: dict[str, list[str]] = {}  # form of writing -> how citizens ask for it (NLU examples)

    @model_validator(mode="after")
    def _consistent(self) -> "ServiceDef":
        if (self.tatkal_fee_rupees is None) != (self.tatkal_sla_days is None):
            raise ValueError("tatkal_fee_rupees and tatkal_sla_days go together")
        if self.tatkal_sla_days is not None and self.tatkal_sla_days >= self.sla_days:
            raise ValueError("Tatkal must be faster than the normal lane")
        if self.fee_from is not None:
            chosen = next((f for f in self.fields if f.name == self.fee_from), None)
            if chosen is None or chosen.type != "choice":
                raise ValueError(f"fee_from: {self.fee_from!r} is not a choice field of this service")
            if any(o.fee_rupees is None for o in chosen.options):
                raise ValueError(f"fee_from: every option of {self.fee_from} needs its fee_rupees")
            if self.tatkal_fee_rupees is not None:
                raise ValueError("fee_from and a Tatkal fee do not go together (the chosen option sets the fee)")
            if self.tariff is not None:
                raise ValueError("fee_from and a tariff do not go together (each sets the fee)")
        elif any(o.fee_rupees is not None for f in self.fields for o in f.options):
            raise ValueError("an option has fee_rupees but the service has no fee_from")
        unknown = sorted(set(self.asked_as) - set(FORMS_OF_WRITING))
        if unknown:
            raise ValueError(f"asked_as: {unknown} is not a form of writing (one of {list(FORMS_OF_WRITING)})")
        return self

    def fee_inputs(self) -> list[str]:
        return [self.fee_from] if self.fee_from is not None else super().fee_inputs()

    @property
    def has_tatkal(self) -> bool:
        return self.tatkal_fee_rupees is not None

    def fee_for(self, answers: Mapping[str, Any], *, tatkal: bool = False) -> int:
        """In rupees: the chosen option's where the fee comes from a choice, else the lane's."""
        if self.fee_from is not None:
            option = next(o for o in self.field(self.fee_from).options if o.code == answers[self.fee_from])
            return option.fee_rupees or 0
        return self.tatkal_fee_rupees if tatkal and self.tatkal_fee_rupees is not None else self.fee_rupees

    def locale_keys(self, *, issues_document: bool = True) -> list[str]:
        return [
            f"service_menu.{self.code}",
            *([f"certificate_pdf.{self.code}"] if issues_document else []),
            *(d.key for d in self.documents),
            *super().locale_keys(),
        ]


def load_definition(path: Path, workflows: set[str], documented: frozenset[str] = frozenset()) -> ServiceForm:
    """An application (it has a number in the menu) or another service's form. `documented`: the
    workflows that end in a signed document (its words are required)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = ServiceDef if isinstance(raw, dict) and "number" in raw else ServiceForm
        definition = kind.model_validate(raw)
    except (ValidationError, yaml.YAMLError, ValueError) as exc:
        raise DefinitionError(f"{path.name}: {exc}") from exc
    if definition.code != path.stem:
        raise DefinitionError(f"{path.name}: code {definition.code!r} must be the file's name ({path.stem!r})")
    if definition.workflow not in workflows:
        raise DefinitionError(f"{path.name}: no workflow {definition.workflow!r} (known: {sorted(workflows)})")
    for language in locales.LANGUAGES:
        keys = definition.locale_keys(issues_document=definition.workflow in documented)
        missing = [k for k in keys if k not in locales.load_catalog(language)]
        if missing:
            raise DefinitionError(f"{path.name}: locales/{language}.yml has no text for {', '.join(missing)}")
    return definition


@lru_cache
def load_catalog(directory: Path, workflows: frozenset[str], documented: frozenset[str] = frozenset()) -> dict[str, ServiceForm]:
    """Every service of the catalog: the applications in menu order, then the others."""
    loaded = [load_definition(p, set(workflows), documented) for p in sorted(directory.glob("*.yml"))]
    numbers = [d.number for d in loaded if isinstance(d, ServiceDef)]
    if len(set(numbers)) != len(numbers):
        raise DefinitionError(f"{directory.name}: two services share a list number ({sorted(numbers)})")
    return {d.code: d for d in sorted(loaded, key=lambda d: d.number if isinstance(d, ServiceDef) else 10)}


@lru_cache
def load_form(directory: Path, code: str) -> ServiceForm:
    """One service's form, for the code that files and serves that service itself (desludging): the
    backend checked the whole catalog, its words and workflows included, when it started."""
    return ServiceForm.model_validate(yaml.safe_load((directory / f"{code}.yml").read_text(encoding="utf-8")))


def load_definitions(
    directory: Path, workflows: frozenset[str], documented: frozenset[str] = frozenset()
) -> dict[str, ServiceDef]:
    """The applications, in menu order."""
    return {c: d for c, d in load_catalog(directory, workflows, documented).items() if isinstance(d, ServiceDef)}


def check_workflow_words(workflows: Mapping[str, WorkflowDef]) -> None:
    """What status says in each state, and every notice, in every language (a state with no words
    would fail only when a citizen first asks)."""
    for workflow in workflows.values():
        keys = [f"case_state.{workflow.service}.{state}" for state in workflow.states]
        keys += [notice.key for action in workflow.actions for notice in action.notify]
        for language in locales.LANGUAGES:
            missing = [k for k in keys if k not in locales.load_catalog(language)]
            if missing:
                raise DefinitionError(f"workflow {workflow.service}: locales/{language}.yml has no text for {', '.join(missing)}")


_ANSWER_TYPES: dict[str, Any] = {
    "name": str, "text": str, "amount": int, "number": int, "size": int, "pin": str, "past_date": date,
    "future_date": date, "place": dict[str, Any], "category": dict[str, Any],
}  # fmt: skip


class Issued(BaseModel, extra="forbid"):
    issued_on: str
    payload: str | None = None


class Application(BaseModel, extra="forbid"):
    """The `details` of an application to a catalog service: what filing writes, and what the
    later steps add (the queue, the payment, the issue, a correction). Every write is checked
    against it, and the answers against the service's own fields (`answers_model`)."""

    certificate_type: str
    answers: dict[str, Any]
    labels: dict[str, str]
    office: str
    office_label: str
    lane: Literal["normal", "tatkal"]
    fee_paise: int = Field(ge=0)
    sla_days: int = Field(ge=1)
    documents: dict[str, str | dict[str, Any]]  # a WhatsApp URL or "to_bring", then the file kept or its error
    filed_by: str
    ulb: str | None = None  # the town whose operators serve a visit, its ward, and the litres it carries
    ward: str | None = None
    size_litres: int | None = None
    queued_at: str | None = None
    due_on: str | None = None
    paid: bool | None = None
    certificate: Issued | None = None
    out_of_order: list[dict[str, str]] | None = None
    corrections: int | None = None
    department: str | None = None  # areas (migration 0008)
    # a visit, once an operator has it: who declined it, and the citizen's rating
    declined_by: list[str] | None = None
    rating: int | None = None
    comment: str | None = None

    @classmethod
    def checked(cls, definition: "ServiceDef", details: dict[str, Any]) -> dict[str, Any]:
        """`details` as they are to be stored, refused (ValueError naming the field) unless they fit."""
        application = cls.model_validate(details)
        answers_model(definition).model_validate(application.answers)
        return details


_answer_models: dict[str, type[BaseModel]] = {}


def _answer_type(field: FieldDef) -> tuple[Any, Any]:
    return (Literal[tuple(o.code for o in field.options)] if field.type == "choice" else _ANSWER_TYPES[field.type], ...)


def answers_model(definition: "ServiceDef") -> type[BaseModel]:
    """The service's answers as a type: each field by its kind, a choice one of its options' codes.
    Kept per definition as it is (a redeployed catalog with other fields gets its own)."""
    shape = definition.model_dump_json(include={"code", "fields"})
    if shape not in _answer_models:
        fields: dict[str, Any] = {
            f.name: _answer_type(f) if f.ask_when is None else (_answer_type(f)[0] | None, None)  # not asked when free
            for f in definition.fields
        }
        _answer_models[shape] = create_model(f"{definition.code}_answers", __config__=ConfigDict(extra="forbid"), **fields)
    return _answer_models[shape]
