-- What is wrong with the staged time zone table (zones_in) against the counties: one row a problem,
-- kind 'missing' (a county the table leaves out), 'unknown' (a zone PostgreSQL's time zone database
-- does not know) or 'extra' (a row for no county: a warning only), in that order.
SELECT 'missing' AS kind, c.geoid::text AS geoid, c.name AS detail
FROM counties c
WHERE NOT EXISTS (SELECT 1 FROM zones_in z WHERE z.geoid = c.geoid)
UNION ALL
SELECT 'unknown', min(z.geoid), z.tz
FROM zones_in z
WHERE NOT EXISTS (SELECT 1 FROM pg_timezone_names n WHERE n.name = z.tz)
GROUP BY z.tz
UNION ALL
SELECT 'extra', z.geoid, z.tz
FROM zones_in z
WHERE NOT EXISTS (SELECT 1 FROM counties c WHERE c.geoid = z.geoid)
ORDER BY 1, 2;
