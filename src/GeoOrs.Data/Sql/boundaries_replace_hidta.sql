-- Replaces HIDTA membership with the staged rows (hidta_in), rebuilds each region's polygon as the
-- union of its member counties, and re-assigns events to the new regions. Returns the number of
-- regions and of memberships.
DELETE FROM hidta_counties;

INSERT INTO hidta_regions (id, name, loaded_at)
SELECT DISTINCT ON (h.id) h.id, h.name, now()
FROM hidta_in h JOIN counties c ON c.geoid = h.geoid
ORDER BY h.id, h.name
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, loaded_at = EXCLUDED.loaded_at;

INSERT INTO hidta_counties (hidta_id, geoid, as_of, source)
SELECT h.id, h.geoid, h.as_of, h.source
FROM hidta_in h JOIN counties c ON c.geoid = h.geoid;

DELETE FROM hidta_regions r WHERE NOT EXISTS (SELECT 1 FROM hidta_counties m WHERE m.hidta_id = r.id);

UPDATE hidta_regions r
SET geom = u.geom
FROM (SELECT m.hidta_id, ST_Multi(ST_Union(c.geom)) AS geom
      FROM hidta_counties m JOIN counties c ON c.geoid = m.geoid
      GROUP BY m.hidta_id) u
WHERE u.hidta_id = r.id;

-- Events follow the membership: each takes the (first) HIDTA of its county, or none.
UPDATE overdose_events e SET hidta_id = m.hidta_id
FROM (SELECT c.geoid, (SELECT min(hidta_id) FROM hidta_counties WHERE geoid = c.geoid) AS hidta_id FROM counties c) m
WHERE e.county_fips = m.geoid AND e.hidta_id IS DISTINCT FROM m.hidta_id;
UPDATE seizure_events e SET hidta_id = m.hidta_id
FROM (SELECT c.geoid, (SELECT min(hidta_id) FROM hidta_counties WHERE geoid = c.geoid) AS hidta_id FROM counties c) m
WHERE e.county_fips = m.geoid AND e.hidta_id IS DISTINCT FROM m.hidta_id;

SELECT (SELECT count(*) FROM hidta_regions), (SELECT count(*) FROM hidta_counties);
