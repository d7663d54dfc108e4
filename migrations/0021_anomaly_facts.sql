-- What each anomaly finding rests on, as facts: the rule's result (records by
-- entity, id, number and reference; the contact; dates; amounts as decimal
-- strings), as JSON tagged by `kind`. The fronts word them; the store no
-- longer writes sentences.
--
-- Rows detected before this version keep their `title`, `explanation` and
-- `records_json`, and have no facts until a detection finds them again (then
-- the row, with its dismissal, is updated by its key). Rows with facts leave
-- those three columns empty ('', '', '[]').
ALTER TABLE anomaly_findings ADD COLUMN facts_json TEXT;
