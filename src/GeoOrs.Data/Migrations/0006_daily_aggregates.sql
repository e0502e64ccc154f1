-- Daily aggregates, kept current inside every ingest batch's transaction, so a layer for any time
-- window is a sum over days and never stale. Days are UTC dates. An overdose naming several drugs
-- counts once under each, and once under 'any' (the row to sum for totals).
CREATE TABLE overdose_daily (
    county_fips  text    NOT NULL,               -- '' for events outside every county
    day          date    NOT NULL,
    drug         text    NOT NULL,               -- a vocabulary term, or 'any'
    fatal        boolean NOT NULL,
    naloxone     boolean NOT NULL,               -- naloxone administered; not known counts as false
    events       integer NOT NULL CHECK (events >= 0),
    PRIMARY KEY (county_fips, day, drug, fatal, naloxone)
);
CREATE INDEX overdose_daily_day_idx ON overdose_daily (day, drug);

CREATE TABLE seizure_daily (
    county_fips   text    NOT NULL,
    day           date    NOT NULL,
    drug          text    NOT NULL,
    events        integer NOT NULL CHECK (events >= 0),
    grams         double precision NOT NULL,
    dosage_units  double precision NOT NULL,
    PRIMARY KEY (county_fips, day, drug)
);
CREATE INDEX seizure_daily_day_idx ON seizure_daily (day, drug);

INSERT INTO overdose_daily (county_fips, day, drug, fatal, naloxone, events)
SELECT coalesce(county_fips, ''), (occurred_at AT TIME ZONE 'UTC')::date, d.drug, fatal, coalesce(naloxone_administered, false), count(*)
FROM overdose_events e CROSS JOIN LATERAL unnest(e.suspected_drugs || '{any}'::text[]) AS d (drug)
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO seizure_daily (county_fips, day, drug, events, grams, dosage_units)
SELECT coalesce(county_fips, ''), (seized_at AT TIME ZONE 'UTC')::date, drug, count(*),
       coalesce(sum(quantity_grams), 0), coalesce(sum(dosage_units), 0)
FROM seizure_events
GROUP BY 1, 2, 3;
