-- Donut geomasking for the partner role: partners see each event moved by a keyed, deterministic
-- offset (GeoOrs.Analysis.Privacy.DonutGeomask, which these functions match operation for operation),
-- with radii set by the population density of the event's county.

-- People per km² of land in each county, from its latest population estimate (0 without one or
-- without land, which the mask treats as the floor density: the widest mask). Refreshed by every
-- boundary load.
CREATE TABLE county_density (
    geoid           char(5)          PRIMARY KEY,
    people_per_km2  double precision NOT NULL
);

CREATE FUNCTION geoors_refresh_county_density() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM county_density;
    INSERT INTO county_density (geoid, people_per_km2)
    SELECT c.geoid,
           CASE WHEN c.aland > 0 AND p.population IS NOT NULL
                THEN p.population::float8 / (c.aland::float8 / 1000000::float8) ELSE 0 END
    FROM counties c
    LEFT JOIN (SELECT DISTINCT ON (geoid) geoid, population
               FROM county_population ORDER BY geoid, year DESC) p ON p.geoid = c.geoid;
$$;

-- The inner and outer radii in metres for a density (DonutGeomask.Radii): the circles expected to
-- hold 50 and 500 people; inner within [100, 5000], outer within [2 · inner, 10000]. NULL, NaN and
-- densities below 0.1 people/km² count as 0.1.
CREATE FUNCTION geoors_geomask_radii(people_per_km2 double precision, OUT inner_m double precision, OUT outer_m double precision)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT i, least(greatest(1000 * sqrt(500 / (pi() * d)), 2 * i), 10000)
    FROM (SELECT CASE WHEN people_per_km2 IS NULL OR people_per_km2 = 'NaN'::float8 OR people_per_km2 < 0.1
                      THEN 0.1::float8 ELSE people_per_km2 END) AS density(d)
    CROSS JOIN LATERAL (SELECT least(greatest(1000 * sqrt(50 / (pi() * d)), 100), 5000)) AS radius(i)
$$;

-- The masked point of an event (DonutGeomask.Displace): h = sha256(secret || id as 8 bytes
-- big-endian); azimuth 2π·u1 clockwise from north and distance sqrt(u2·(outer² − inner²) + inner²),
-- u1 and u2 being h's first two big-endian uint32 over 2^32; the destination by the great-circle
-- direct formula on a sphere of 6,371,008.8 m; longitude in [−180, 180). geom is a point in EPSG:4326.
CREATE FUNCTION geoors_geomask(geom geometry, id bigint, people_per_km2 double precision, secret bytea) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_SetSRID(ST_MakePoint(CASE WHEN lon2 >= 180 THEN lon2 - 360 ELSE lon2 END, phi2 * 180 / pi()), 4326)
    FROM (SELECT sha256(secret || int8send(id))) AS hash(h)
    CROSS JOIN geoors_geomask_radii(people_per_km2) AS radii
    CROSS JOIN LATERAL (SELECT
        2 * pi() * (((get_byte(h, 0)::bigint << 24) | (get_byte(h, 1)::bigint << 16)
                     | (get_byte(h, 2)::bigint << 8) | get_byte(h, 3)::bigint)::float8 / 4294967296::float8),
        sqrt((((get_byte(h, 4)::bigint << 24) | (get_byte(h, 5)::bigint << 16)
               | (get_byte(h, 6)::bigint << 8) | get_byte(h, 7)::bigint)::float8 / 4294967296::float8)
             * (radii.outer_m * radii.outer_m - radii.inner_m * radii.inner_m) + radii.inner_m * radii.inner_m)
        / 6371008.8::float8,
        ST_Y(geom) * pi() / 180) AS polar(theta, delta, phi1)
    CROSS JOIN LATERAL (SELECT
        asin(least(greatest(sin(phi1) * cos(delta) + cos(phi1) * sin(delta) * cos(theta), -1), 1))) AS lat(phi2)
    CROSS JOIN LATERAL (SELECT
        ST_X(geom) + atan2(sin(theta) * sin(delta) * cos(phi1), cos(delta) - sin(phi1) * sin(phi2)) * 180 / pi()) AS raw(lon1)
    CROSS JOIN LATERAL (SELECT lon1 - 360 * floor((lon1 + 180) / 360)) AS wrapped(lon2)
$$;

-- Secrets the server keeps for itself (e.g. the geomask key), shared by every server on the database.
CREATE TABLE access_secrets (
    name        text        PRIMARY KEY,
    secret      bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

SELECT geoors_refresh_county_density();
