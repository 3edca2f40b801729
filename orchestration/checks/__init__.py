"""Dagster asset checks on silver and gold (SPEC 3-4 invariants)."""
