-- One county as a GeoJSON Feature: name, state, latest population and the HIDTA regions it belongs to.
-- $1: the 5-digit county FIPS code (GEOID).
SELECT json_build_object(
    'type', 'Feature',
    'id', c.geoid,
    'geometry', ST_AsGeoJSON(c.geom, 6)::json,
    'properties', json_build_object(
        'geoid', c.geoid,
        'name', c.name,
        'lsad', c.lsad,
        'statefp', c.statefp,
        'state', s.name,
        'state_abbr', s.stusps,
        'population', p.population,
        'population_year', p.year,
        'aland', c.aland,
        'awater', c.awater,
        'hidta', coalesce((
            SELECT json_agg(json_build_object('id', h.id, 'name', h.name) ORDER BY h.name)
            FROM hidta_counties m JOIN hidta_regions h ON h.id = m.hidta_id
            WHERE m.geoid = c.geoid), '[]'::json)
    )
)::text
FROM counties c
JOIN states s ON s.statefp = c.statefp
LEFT JOIN LATERAL (
    SELECT population, year FROM county_population WHERE geoid = c.geoid ORDER BY year DESC LIMIT 1
) p ON true
WHERE c.geoid = $1;
