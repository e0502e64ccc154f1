-- The staging table one seizure batch is copied into before it is merged (dropped at commit).
CREATE TEMP TABLE seizures_in (
    agency text, external_id text, seized_at timestamptz, lon double precision, lat double precision,
    drug text, quantity double precision, unit text, quantity_grams double precision, dosage_units double precision,
    case_reference text, county_fips text, hidta_id text
) ON COMMIT DROP;
