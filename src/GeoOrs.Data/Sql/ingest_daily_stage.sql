-- Per-batch tallies of stored events by county and day, merged into the daily aggregates at the
-- end of the batch (dropped at commit).
CREATE TEMP TABLE overdose_daily_in (county_fips text, day date, drug text, fatal boolean, naloxone boolean, events integer) ON COMMIT DROP;
CREATE TEMP TABLE seizure_daily_in (county_fips text, day date, drug text, events integer, grams double precision, dosage_units double precision) ON COMMIT DROP;
