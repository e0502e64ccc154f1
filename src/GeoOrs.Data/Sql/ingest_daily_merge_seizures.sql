-- Adds the batch's seizure tallies to the daily aggregates, in key order (see the overdose merge).
INSERT INTO seizure_daily (county_fips, day, drug, events, grams, dosage_units)
SELECT county_fips, day, drug, sum(events), sum(grams), sum(dosage_units)
FROM seizure_daily_in
GROUP BY county_fips, day, drug
ORDER BY county_fips, day, drug
ON CONFLICT (county_fips, day, drug) DO UPDATE
SET events = seizure_daily.events + EXCLUDED.events,
    grams = seizure_daily.grams + EXCLUDED.grams,
    dosage_units = seizure_daily.dosage_units + EXCLUDED.dosage_units;
