// CLVData: ingestion (validate, normalise, quarantine), SQLite storage through GRDB, per-customer summaries.
