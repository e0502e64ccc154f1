-- Merges the staged seizures; one already stored for the same agency and external id is a duplicate.
-- $1: the batch id.
INSERT INTO seizure_events (agency, external_id, seized_at, geom, drug, quantity, unit, quantity_grams,
                            dosage_units, case_reference, county_fips, hidta_id, batch_id)
SELECT agency, external_id, seized_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), drug, quantity, unit, quantity_grams,
       dosage_units, case_reference, county_fips, hidta_id, $1
FROM seizures_in
ON CONFLICT (agency, external_id) DO NOTHING;
