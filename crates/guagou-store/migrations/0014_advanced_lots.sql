-- Lots that remember they were advanced (二(四), SPEC §8): quota advanced before acceptance may
-- be used in the county but not listed or transferred until the project's issue confirms it.
-- 1 for a lot minted by an advance (and its children), 0 otherwise; it copies the lot's
-- `advanced` field in the journal entry, which `verify` compares. Lots written before this
-- column existed were all created before advanced quota was told apart: 0.
ALTER TABLE ledger_lots ADD COLUMN advanced BIGINT NOT NULL DEFAULT 0;
