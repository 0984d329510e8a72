"""Request and response bodies of the public API."""
from datetime import datetime

from pydantic import BaseModel, Field


class CategoryOut(BaseModel):
    code: str
    department: str
    sla_hours: int


class CategoryMatchOut(BaseModel):
    code: str


class WardOut(BaseModel):
    ulb: str
    number: int
    code: str


class GrievanceIn(BaseModel):
    category: str = Field(max_length=40)
    description: str = Field(max_length=1000)
    ward: str = Field(max_length=40)
    citizen_phone: str = Field(max_length=32)
    language: str = Field(default="en", pattern=r"^(en|hi|or)$")
    channel: str = Field(default="rest", max_length=16)
    actor_role: str = Field(default="CITIZEN", pattern=r"^(CITIZEN|FIELD_AGENT)$")
    actor_id: str | None = Field(default=None, max_length=64)


class CaseStatusOut(BaseModel):
    reference: str
    service: str
    state: str
    version: int
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None


class CaseActionIn(BaseModel):
    action: str = Field(max_length=40)
    actor_role: str = Field(max_length=32)
    actor_id: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    expected_version: int | None = None


class HistoryOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    reason: str | None
    at: datetime


class CitizenIn(BaseModel):
    phone: str = Field(min_length=1, max_length=64)


class LanguageChoiceIn(CitizenIn):
    language: str = Field(pattern=r"^(en|hi|or)$")


class LanguageOut(BaseModel):
    language: str | None
