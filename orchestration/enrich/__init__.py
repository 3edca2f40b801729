"""Bronze → silver enrichment: one micro-batch over the bronze Delta versions not yet processed."""

from orchestration.enrich.run import EnrichResult, enrich

__all__ = ["EnrichResult", "enrich"]
