-- Dated policy facts with their sources (issue 13, item 12).
--
-- A poverty designation and an exit are dated facts: each date carries the document it comes
-- from (待核 in the text where the exact document is not known yet).
ALTER TABLE divisions ADD COLUMN designated_source TEXT;
ALTER TABLE divisions ADD COLUMN exited_source TEXT;

-- The provincial guide prices the city recorded (二(三) "不低于省上指导价格"), beside those of
-- the policy profile: one price per date it applies from, with the document that sets the
-- price and the one that sets the date (`from_status`: confirmed | pending, 待核). Written
-- only through the registry's audited use case; never edited (a later price is a new row).
CREATE TABLE guide_prices (
    from_date TEXT PRIMARY KEY,
    yuan_per_mu BIGINT NOT NULL,
    scope TEXT NOT NULL,
    clause TEXT NOT NULL,
    source TEXT NOT NULL,
    from_status TEXT NOT NULL,
    from_source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
