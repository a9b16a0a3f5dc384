-- Entries by kind: the dashboards' deadline panel reads every advance entry on each load; at a
-- province's million entries a scan of the journal for them took seconds.
CREATE INDEX ledger_entries_by_kind ON ledger_entries (kind, seq);
