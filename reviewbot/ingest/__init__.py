"""Sources: turn what the user names into Series.  Mail goes through b4 (ingest.b4)."""
