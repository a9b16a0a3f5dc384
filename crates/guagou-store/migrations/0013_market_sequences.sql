-- The market's own id sequences (guagou-registry market.rs): listing, offer and agreement ids
-- are numbered here, incremented inside the write transaction that uses the number, never
-- derived from a count of rows (which ledger data or a concurrent writer could change).
-- `name` is the sequence (`listing:<seller>:<year>`, `offer:<listing>`, `agreement:<listing>`),
-- `last_value` the last number handed out.
CREATE TABLE market_sequences (
    name TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
);
