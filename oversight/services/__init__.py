"""Oversight writes, by subject: ``annual_reports``, ``credit_lists``, ``dormancy``, and the
nightly ``scan`` that applies the rules of ``OversightSettings`` to all three."""
