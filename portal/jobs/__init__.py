"""Background jobs: rows in a table, claimed with FOR UPDATE SKIP LOCKED, leased and resumed."""
