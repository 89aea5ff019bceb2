"""Modules of the Especial spec generator (tools/especial_spec.py)."""
