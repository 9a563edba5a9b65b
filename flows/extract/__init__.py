"""The extract stage: documents → claims and events, by the rules in catalogue/extraction.yaml."""

from flows.extract.engine import Extraction, Extractor, extractor_for, extractor_version

__all__ = ["Extraction", "Extractor", "extractor_for", "extractor_version"]
