-- The transfer market (SPEC §8 "Market", 二(三)): listings (公告), offers, agreements (协议)
-- with their payment schedules, and the payments received (guagou-registry market.rs).
-- Portable SQL (SQLite and PostgreSQL). Dates are TEXT 'YYYY-MM-DD'; amounts BIGINT m²;
-- prices BIGINT 分 per 亩; money BIGINT 分. The quota itself moves in the ledger: a listing's
-- escrow is the ledger account `listed:<id>` (ledger_listings), posted in the same transaction
-- as these rows. History of every change is in audit_log; these tables hold the current state.

CREATE TABLE market_listings (
    id TEXT PRIMARY KEY,
    seller TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    reserve_price_fen_per_mu BIGINT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    contact TEXT NOT NULL,
    state TEXT NOT NULL,
    published_on TEXT NOT NULL,
    published_by TEXT NOT NULL,
    -- The date and reason it left the market (expired, withdrawn, settled).
    closed_on TEXT,
    close_reason TEXT
);

CREATE INDEX market_listings_state ON market_listings (state, closes_on);

CREATE TABLE market_offers (
    id TEXT PRIMARY KEY,
    listing TEXT NOT NULL REFERENCES market_listings (id),
    buyer TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    price_fen_per_mu BIGINT NOT NULL,
    contact TEXT NOT NULL,
    offered_on TEXT NOT NULL,
    offered_by TEXT NOT NULL,
    state TEXT NOT NULL
);

CREATE INDEX market_offers_listing ON market_offers (listing);

CREATE TABLE market_agreements (
    id TEXT PRIMARY KEY,
    listing TEXT NOT NULL REFERENCES market_listings (id),
    offer TEXT NOT NULL REFERENCES market_offers (id),
    seller TEXT NOT NULL,
    buyer TEXT NOT NULL,
    amount_m2 BIGINT NOT NULL,
    price_fen_per_mu BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    signed_on TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    state TEXT NOT NULL,
    settled_on TEXT,
    -- The ledger entry of the transfer (and of the return of any unsold rest).
    transfer_seq BIGINT,
    cancelled_on TEXT,
    cancel_reason TEXT
);

CREATE INDEX market_agreements_listing ON market_agreements (listing);

CREATE TABLE market_instalments (
    agreement TEXT NOT NULL REFERENCES market_agreements (id),
    number BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (agreement, number)
);

-- Money received, per instalment (no separate funds ledger: these rows are the record).
CREATE TABLE market_payments (
    agreement TEXT NOT NULL REFERENCES market_agreements (id),
    seq BIGINT NOT NULL,
    instalment BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (agreement, seq)
);

-- Idempotency of market writes (SPEC §8 "the same request twice posts once"): per actor and
-- key, the hash of the request and the record it produced, written in the write's own
-- transaction. A repeat returns that record; another request under the same key is refused.
CREATE TABLE market_requests (
    actor TEXT NOT NULL,
    request_key TEXT NOT NULL,
    action TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result_id TEXT NOT NULL,
    PRIMARY KEY (actor, request_key)
);
