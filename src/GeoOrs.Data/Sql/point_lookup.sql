-- The county, state and HIDTA regions a lon/lat point falls in. A point on a shared boundary
-- touches several counties; the one with the lowest GEOID is taken, so the answer is stable.
-- $1: longitude, $2: latitude (EPSG:4326).
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS geom)
SELECT json_build_object(
    'lon', $1,
    'lat', $2,
    'county', json_build_object('geoid', c.geoid, 'name', c.name, 'lsad', c.lsad),
    'state', json_build_object('statefp', s.statefp, 'abbr', s.stusps, 'name', s.name),
    'hidta', coalesce((
        SELECT json_agg(json_build_object('id', h.id, 'name', h.name) ORDER BY h.name)
        FROM hidta_counties m JOIN hidta_regions h ON h.id = m.hidta_id
        WHERE m.geoid = c.geoid), '[]'::json)
)::text
FROM pt
JOIN counties c ON c.geom && pt.geom AND ST_Intersects(c.geom, pt.geom)
JOIN states s ON s.statefp = c.statefp
ORDER BY c.geoid
LIMIT 1;
