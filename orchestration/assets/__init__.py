"""Dagster assets: silver (enrichment), the dbt models, gold (publish)."""
