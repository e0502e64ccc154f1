-- Counties from the staged shapefile rows (shapes_in), upserted by 5-digit GEOID.
INSERT INTO counties (geoid, statefp, countyfp, name, lsad, aland, awater, geom)
SELECT geoid, statefp, countyfp, name, lsad, aland, awater, ST_Multi(geom)
FROM shapes_in
ON CONFLICT (geoid) DO UPDATE
SET statefp = EXCLUDED.statefp, countyfp = EXCLUDED.countyfp, name = EXCLUDED.name, lsad = EXCLUDED.lsad,
    aland = EXCLUDED.aland, awater = EXCLUDED.awater, geom = EXCLUDED.geom;
