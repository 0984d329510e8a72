"""The services. Importing any of them subscribes the outbox to the workflow's transitions, so a
transition's notices are queued whichever service applies it."""

from backend.services import outbox  # noqa: F401
