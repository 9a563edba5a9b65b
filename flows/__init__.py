"""factledger: dated facts about companies' expansion, from documents to a checked ledger."""
