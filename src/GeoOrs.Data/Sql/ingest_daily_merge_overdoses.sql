-- Adds the batch's overdose tallies to the daily aggregates, in key order so that concurrent
-- batches lock aggregate rows in the same order and never deadlock.
INSERT INTO overdose_daily (county_fips, day, drug, fatal, naloxone, events)
SELECT county_fips, day, drug, fatal, naloxone, sum(events)
FROM overdose_daily_in
GROUP BY county_fips, day, drug, fatal, naloxone
ORDER BY county_fips, day, drug, fatal, naloxone
ON CONFLICT (county_fips, day, drug, fatal, naloxone) DO UPDATE SET events = overdose_daily.events + EXCLUDED.events;
