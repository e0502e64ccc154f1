-- Merges the staged overdoses; an event already stored for the same agency and external id is a
-- duplicate and is left as it was. $1: the batch id.
INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal,
                             naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex,
                             county_fips, hidta_id, batch_id)
SELECT source_agency, external_id, occurred_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), location_precision, fatal,
       naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex, county_fips, hidta_id, $1
FROM overdoses_in
ON CONFLICT (source_agency, external_id) DO NOTHING;
