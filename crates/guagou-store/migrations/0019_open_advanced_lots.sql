-- Open advanced lots of an account, oldest first: the first pass of a use (advanced lots
-- before confirmed ones) and an issue (the project's advanced lots) read only these. With just
-- `ledger_lots_open (holder, id)` both walked every open lot of the county's holding account,
-- reading each row to test `advanced`; a county keeps thousands of open confirmed lots, a number
-- that grows with the journal, so posting slowed as the ledger grew (docs/benchmarks.md).
-- Partial on `advanced = 1`, so it holds only advances not yet confirmed or used and costs
-- nothing for confirmed lots. Portable SQL (SQLite and PostgreSQL use it for the literal
-- `advanced = 1` in `rows::open_lots`).
CREATE INDEX ledger_lots_open_advanced ON ledger_lots (holder, id)
    WHERE consumed_by IS NULL AND advanced = 1;
