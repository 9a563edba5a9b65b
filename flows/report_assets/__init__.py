"""The report page: its HTML, CSS and JS (inlined into one self-contained file)."""
