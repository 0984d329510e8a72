"""Kept only for backend/services/certificates.py until it imports common.signatures (issue 15)."""

from common.signatures import same_secret

__all__ = ["same_secret"]
