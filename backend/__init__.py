"""Sathi backend: cases, workflows as data, master data, the public REST API."""
