-- Moves the staged seizures into the event table. $1: the batch id. The ingest code appends
-- ON CONFLICT ... DO NOTHING when a staged seizure is already stored (a duplicate).
INSERT INTO seizure_events (agency, external_id, seized_at, geom, drug, quantity, unit, quantity_grams,
                            dosage_units, case_reference, county_fips, hidta_id, batch_id)
SELECT agency, external_id, seized_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), drug, quantity, unit, quantity_grams,
       dosage_units, case_reference, county_fips, hidta_id, $1
FROM seizures_in
