"""Rules both environments need (the backend's and Rasa's): no SQLAlchemy, no pydantic here."""
