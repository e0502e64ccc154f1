-- The staging table one overdose batch is copied into before it is merged (dropped at commit).
CREATE TEMP TABLE overdoses_in (
    source_agency text, external_id text, occurred_at timestamptz, lon double precision, lat double precision,
    location_precision text, fatal boolean, naloxone_administered boolean, naloxone_doses smallint,
    suspected_drugs text[], age_band text, sex text, county_fips text, hidta_id text
) ON COMMIT DROP;
