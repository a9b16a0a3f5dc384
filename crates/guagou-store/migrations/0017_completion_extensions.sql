-- Extensions of a project's completion deadline (二(四); docs/readings/deadlines.md): a project
-- that took no advance may ask the city to move its deadline under the normal procedure. The
-- county's request and the city's decision are both kept; a decision is a compare-and-set on
-- `state` ('requested' → 'granted' | 'refused'), so two decisions give one success. Every row
-- has its audit records (`project.extension_request`, `project.extension_decision`).
-- Portable SQL.
CREATE TABLE completion_extensions (
    code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    requested_on TEXT NOT NULL,
    requested_until TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_on TEXT,
    granted_until TEXT,
    decision_reason TEXT,
    decided_by TEXT,
    PRIMARY KEY (code, seq)
);
