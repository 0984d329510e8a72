"""Rasa SDK action server: thin adapters between the dialogue and the backend."""
