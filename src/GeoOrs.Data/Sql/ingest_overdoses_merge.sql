-- Moves the staged overdoses into the event table. $1: the batch id. The ingest code appends
-- ON CONFLICT ... DO NOTHING when a staged event is already stored (a duplicate).
INSERT INTO overdose_events (source_agency, external_id, occurred_at, geom, location_precision, fatal,
                             naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex,
                             county_fips, hidta_id, batch_id)
SELECT source_agency, external_id, occurred_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), location_precision, fatal,
       naloxone_administered, naloxone_doses, suspected_drugs, age_band, sex, county_fips, hidta_id, $1
FROM overdoses_in
