-- Cluster tiles from pre-aggregated grids, and each event's geomasked position stored once.
--
-- Below zoom 10 the point layers draw clusters: the events of each cell of a 16 × 16 grid over the
-- tile (the cells of zoom z are the tiles of zoom z + 4, aligned across tiles). Counting the events of
-- a low-zoom tile one by one reads most of the table; geomasking each of them for a partner on top of
-- that took longer than the request's time limit. So:
--
-- * masked_geom holds the partner's view of every event, computed once (by ingest, or below for the
--   events already stored) and never again: a masked point that moved later (a new density, a new
--   key) would give a second point on the same ray from the true one, and the two would give it away.
-- * overdose_cells and seizure_cells hold, per grid cell and UTC month, the counts and the sums of the
--   positions (EPSG:3857 metres) of the events in it, for the true positions and for the masked ones,
--   kept by ingest inside each batch's transaction like the daily aggregates. A cluster tile sums a
--   window's whole months from them; only the days at the window's ends, drug filters and the
--   agencies hidden from the caller are read from the events. docs/adr/0010-cluster-grids.md says why.

-- The grid: a position's place across the world in Web Mercator, u from west (0) to east (1) and v
-- from north (0) to south (1), v = (1 − asinh(tan φ)/π)/2; the cell of grid level k is
-- (floor(u·2^k), floor(v·2^k)). Ingest (GeoOrs.Data.Tiles.ClusterGrid) computes the same numbers with
-- the same operations. Each argument is used once, so the planner inlines these into the queries.
CREATE FUNCTION geoors_grid_u(lon double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lon + 180.0) / 360.0
$$;

CREATE FUNCTION geoors_grid_v(lat double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (1.0 - asinh(tan(lat * pi() / 180.0)) / pi()) / 2.0
$$;

-- The cell index along one axis at grid level k (2^k cells across), kept inside the world.
CREATE FUNCTION geoors_grid_cell(t double precision, k integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(greatest(floor(t * (2 ^ k)::double precision), 0), (2 ^ k)::double precision - 1)::integer
$$;

-- The masked position of each event. New events get it from ingest; the events already stored get
-- it here, and rows written by other means (psql, fixtures) from a trigger, all with the function
-- and the county densities the partner's view has used so far.

-- The key is made here when no server has made it yet (gen_random_uuid draws from the operating
-- system's strong random source; three of them carry 366 random bits).
INSERT INTO access_secrets (name, secret)
VALUES ('geomask', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
ON CONFLICT (name) DO NOTHING;

-- geoors_geomask again, operation for operation, in PL/pgSQL: PostgreSQL 15 plans a SQL function
-- with a FROM clause afresh at every call (1.5 ms an event: the partner tiles' time limit, and an
-- hour for this migration on a million events), where PL/pgSQL keeps its plans and evaluates simple
-- expressions directly. The float8 operators and functions are the same ones, in the same order, so
-- the points are the same (GeomaskTests holds it equal to DonutGeomask).
CREATE OR REPLACE FUNCTION geoors_geomask(geom geometry, id bigint, people_per_km2 double precision, secret bytea) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    h bytea := sha256(secret || int8send(id));
    -- geoors_geomask_radii, written out
    d double precision := CASE WHEN people_per_km2 IS NULL OR people_per_km2 = 'NaN'::float8 OR people_per_km2 < 0.1
                               THEN 0.1::float8 ELSE people_per_km2 END;
    inner_m double precision := least(greatest(1000 * sqrt(50 / (pi() * d)), 100), 5000);
    outer_m double precision := least(greatest(1000 * sqrt(500 / (pi() * d)), 2 * inner_m), 10000);
    theta double precision := 2 * pi() * (((get_byte(h, 0)::bigint << 24) | (get_byte(h, 1)::bigint << 16)
                               | (get_byte(h, 2)::bigint << 8) | get_byte(h, 3)::bigint)::float8 / 4294967296::float8);
    delta double precision := sqrt((((get_byte(h, 4)::bigint << 24) | (get_byte(h, 5)::bigint << 16)
                                     | (get_byte(h, 6)::bigint << 8) | get_byte(h, 7)::bigint)::float8 / 4294967296::float8)
                                   * (outer_m * outer_m - inner_m * inner_m) + inner_m * inner_m)
                              / 6371008.8::float8;
    phi1 double precision := ST_Y(geom) * pi() / 180;
    phi2 double precision := asin(least(greatest(sin(phi1) * cos(delta) + cos(phi1) * sin(delta) * cos(theta), -1), 1));
    lon1 double precision := ST_X(geom) + atan2(sin(theta) * sin(delta) * cos(phi1), cos(delta) - sin(phi1) * sin(phi2)) * 180 / pi();
    lon2 double precision := lon1 - 360 * floor((lon1 + 180) / 360);
BEGIN
    RETURN ST_SetSRID(ST_MakePoint(CASE WHEN lon2 >= 180 THEN lon2 - 360 ELSE lon2 END, phi2 * 180 / pi()), 4326);
END
$$;

-- An event's masked point from its county's density and the database's key.
CREATE FUNCTION geoors_mask_event(geom geometry, id bigint, county_fips char(5)) RETURNS geometry
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN geoors_geomask(geom, id,
        coalesce((SELECT d.people_per_km2 FROM county_density d WHERE d.geoid = county_fips), 0),
        (SELECT s.secret FROM access_secrets s WHERE s.name = 'geomask'));
END
$$;

-- Added empty, then filled by rewriting the table once (a changed column type with USING): an
-- UPDATE of every row would leave the table twice its size and update every index row by row.
ALTER TABLE overdose_events ADD COLUMN masked_geom geometry(Point, 4326);
ALTER TABLE overdose_events
    ALTER COLUMN masked_geom TYPE geometry(Point, 4326) USING geoors_mask_event(geom, id, county_fips),
    ALTER COLUMN masked_geom SET NOT NULL;
ALTER TABLE seizure_events ADD COLUMN masked_geom geometry(Point, 4326);
ALTER TABLE seizure_events
    ALTER COLUMN masked_geom TYPE geometry(Point, 4326) USING geoors_mask_event(geom, id, county_fips),
    ALTER COLUMN masked_geom SET NOT NULL;
CREATE INDEX overdose_events_masked_geom_gix ON overdose_events USING gist (masked_geom);
CREATE INDEX seizure_events_masked_geom_gix ON seizure_events USING gist (masked_geom);

CREATE FUNCTION geoors_fill_masked_geom() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM access_secrets WHERE name = 'geomask') THEN
        INSERT INTO access_secrets (name, secret)
        VALUES ('geomask', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
        ON CONFLICT (name) DO NOTHING;
    END IF;
    NEW.masked_geom := geoors_mask_event(NEW.geom, NEW.id, NEW.county_fips);
    RETURN NEW;
END
$$;
-- The WHEN clause is checked without calling the function: ingest, which fills the column, pays nothing.
CREATE TRIGGER overdose_events_masked_geom BEFORE INSERT ON overdose_events
    FOR EACH ROW WHEN (NEW.masked_geom IS NULL) EXECUTE FUNCTION geoors_fill_masked_geom();
CREATE TRIGGER seizure_events_masked_geom BEFORE INSERT ON seizure_events
    FOR EACH ROW WHEN (NEW.masked_geom IS NULL) EXECUTE FUNCTION geoors_fill_masked_geom();

-- The cells. A cell belongs to grid level L (an odd zoom 1, 3, 5, 7 or 9; its cells are the tiles of
-- zoom L + 4) and is named by one integer, `cell`, packed so that the cells of a tile are one range of
-- it. From the highest bit down:
--
--   bit 29       1 for the cells of masked positions, 0 for the true ones
--   bits 26–28   (L − 1) / 2, the level's index 0..4
--   bits 18–25   tx, and bits 10–17 ty: the tile of zoom L − 1 that holds the cell (0..255)
--   bits 8–9     q: the quadrant of that tile that is the tile of zoom L holding it
--                (0 north-west, 1 north-east, 2 south-west, 3 south-east)
--   bits 4–7     cy, and bits 0–3 cx: the cell in the tile of zoom L, from the north-west (0..15)
--
-- A tile of zoom L reads the 256 cells of its quadrant; a tile of zoom L − 1 reads the 1,024 cells
-- below its (tx, ty) and adds each 2 × 2 block into one of its own cells. (One integer and the month
-- make a key of 8 bytes: ingest's merge into these tables took 2.5 times as long with the seven parts
-- as columns of the key.) GeoOrs.Analysis.Tiles.ClusterGrid.Key packs the same way.
--
-- Overdoses: n events, f fatal, x with naloxone, fx fatal with naloxone; sx, sy the sums of the
-- events' positions in EPSG:3857 and fsx, fsy those of the fatal ones.
CREATE TABLE overdose_cells (
    cell    integer          NOT NULL,
    month   date             NOT NULL,
    n       integer          NOT NULL,
    f       integer          NOT NULL,
    x       integer          NOT NULL,
    fx      integer          NOT NULL,
    sx      double precision NOT NULL,
    sy      double precision NOT NULL,
    fsx     double precision NOT NULL,
    fsy     double precision NOT NULL,
    PRIMARY KEY (cell, month)
);

-- Seizures: n events, g grams; sx, sy the sums of their positions.
CREATE TABLE seizure_cells (
    cell    integer          NOT NULL,
    month   date             NOT NULL,
    n       integer          NOT NULL,
    g       double precision NOT NULL,
    sx      double precision NOT NULL,
    sy      double precision NOT NULL,
    PRIMARY KEY (cell, month)
);

-- The cell of a point at a level, for its true (masked false) or masked position, with its position
-- in EPSG:3857. (A set-returning SQL function, so that the planner can inline it into a FROM clause.)
CREATE FUNCTION geoors_event_cell(lon double precision, lat double precision, level integer, masked boolean)
RETURNS TABLE (cell integer, px double precision, py double precision)
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT (masked::integer << 29) | (((level - 1) / 2) << 26) | ((gx >> 5) << 18) | ((gy >> 5) << 10)
           | ((((gy >> 4) & 1) * 2 + ((gx >> 4) & 1)) << 8) | ((gy & 15) << 4) | (gx & 15),
           (u - 0.5) * 40075016.68557849, (0.5 - v) * 40075016.68557849
    FROM (SELECT geoors_grid_u(lon) AS u, geoors_grid_v(lat) AS v) p
    CROSS JOIN LATERAL (SELECT geoors_grid_cell(p.u, level + 4) AS gx, geoors_grid_cell(p.v, level + 4) AS gy) g
$$;

-- Recomputes both cell tables from the event tables (after this migration, and as the recount
-- that tests hold ingest's cells equal to).
CREATE FUNCTION geoors_rebuild_cells() RETURNS void
LANGUAGE sql SET work_mem = '256MB' AS $$
    TRUNCATE overdose_cells, seizure_cells;

    INSERT INTO overdose_cells (cell, month, n, f, x, fx, sx, sy, fsx, fsy)
    SELECT c.cell, date_trunc('month', e.occurred_at AT TIME ZONE 'UTC')::date,
           count(*), count(*) FILTER (WHERE e.fatal), count(*) FILTER (WHERE e.naloxone_administered),
           count(*) FILTER (WHERE e.fatal AND e.naloxone_administered),
           sum(c.px), sum(c.py), coalesce(sum(c.px) FILTER (WHERE e.fatal), 0), coalesce(sum(c.py) FILTER (WHERE e.fatal), 0)
    FROM overdose_events e
    CROSS JOIN (VALUES (false), (true)) AS k(masked)
    CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
    CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END),
                                         ST_Y(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END), l.level, k.masked) c
    GROUP BY 1, 2;

    INSERT INTO seizure_cells (cell, month, n, g, sx, sy)
    SELECT c.cell, date_trunc('month', e.seized_at AT TIME ZONE 'UTC')::date,
           count(*), coalesce(sum(e.quantity_grams), 0), sum(c.px), sum(c.py)
    FROM seizure_events e
    CROSS JOIN (VALUES (false), (true)) AS k(masked)
    CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
    CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END),
                                         ST_Y(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END), l.level, k.masked) c
    GROUP BY 1, 2;
$$;

SELECT geoors_rebuild_cells();
