-- Emerging-drug signals: nitazenes get their own vocabulary term (they were folded into
-- other_opioid), and an alert may name the drug it is about (novel_substance, drug_share_rise).
--
-- The new term takes aggregate slot 13. Every measure array of the aggregate tables grows by one
-- element, 0, so slot 13 reads 0 (not NULL) in rows written before; arrays that are empty (the
-- record-key sums of rows written before migration 0016) stay empty, as readers treat them.
INSERT INTO aggregate_drugs (drug, slot) VALUES ('nitazene', 13);

CREATE FUNCTION pg_temp.grown(a anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cardinality(a) = 12 THEN a || (0 * a[1]) ELSE a END
$$;

UPDATE overdose_daily SET events = pg_temp.grown(events), fatal = pg_temp.grown(fatal),
                          naloxone = pg_temp.grown(naloxone), fatal_naloxone = pg_temp.grown(fatal_naloxone);
UPDATE overdose_monthly SET events = pg_temp.grown(events), fatal = pg_temp.grown(fatal),
                            naloxone = pg_temp.grown(naloxone), fatal_naloxone = pg_temp.grown(fatal_naloxone),
                            events_key = pg_temp.grown(events_key), fatal_key = pg_temp.grown(fatal_key),
                            naloxone_key = pg_temp.grown(naloxone_key), fatal_naloxone_key = pg_temp.grown(fatal_naloxone_key);
UPDATE seizure_daily SET events = pg_temp.grown(events), grams = pg_temp.grown(grams), dosage_units = pg_temp.grown(dosage_units);
UPDATE seizure_monthly SET events = pg_temp.grown(events), grams = pg_temp.grown(grams), dosage_units = pg_temp.grown(dosage_units),
                           events_key = pg_temp.grown(events_key);

-- The drug an alert is about, for the methods that look at one drug; NULL for the count methods.
ALTER TABLE alerts ADD COLUMN drug text;
COMMENT ON COLUMN alerts.drug IS 'The drug the alert is about (novel_substance, drug_share_rise); NULL for methods over all overdoses';
