-- County population from the staged estimates (population_in); rows for GEOIDs that are no county
-- in the boundary file are passed over. $1 names the source file.
INSERT INTO county_population (geoid, year, population, source)
SELECT p.geoid, p.year, p.population, $1
FROM population_in p
JOIN counties c ON c.geoid = p.geoid
ON CONFLICT (geoid, year) DO UPDATE
SET population = EXCLUDED.population, source = EXCLUDED.source;
