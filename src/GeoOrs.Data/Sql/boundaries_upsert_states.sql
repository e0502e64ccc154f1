-- States from the staged shapefile rows (shapes_in), upserted by FIPS code.
INSERT INTO states (statefp, stusps, name, aland, awater, geom)
SELECT statefp, stusps, name, aland, awater, ST_Multi(geom)
FROM shapes_in
ON CONFLICT (statefp) DO UPDATE
SET stusps = EXCLUDED.stusps, name = EXCLUDED.name, aland = EXCLUDED.aland,
    awater = EXCLUDED.awater, geom = EXCLUDED.geom;
