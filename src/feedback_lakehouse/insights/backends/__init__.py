"""Backends behind one interface: ``offline`` (embedded default) and ``openai``."""
