"""The extract stage: documents → claims and events, by the rules in catalogue/extraction.yaml."""

from flows.extract.engine import Extraction, Extractor, extract_document

__all__ = ["Extraction", "Extractor", "extract_document"]
