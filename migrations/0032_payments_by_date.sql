-- Payments in date order, for the explorer and search across every kind: a
-- page of payments matching a search (or none) was sorted from every match,
-- each one's contact and number looked up in its invoice before the sort.
-- One letter matched 5,780 of 40,000 payments: 18 to 23 ms a page, against
-- 5 ms walking this index newest first.
CREATE INDEX payments_date ON payments (tenant_id, date);
