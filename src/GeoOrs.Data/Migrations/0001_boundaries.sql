-- Boundaries: states, counties, their population, HIDTA regions and membership.
-- All geometry is stored in EPSG:4326 (lon/lat); every geometry column has a GiST index.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE states (
    statefp   char(2)  PRIMARY KEY,
    stusps    char(2)  NOT NULL UNIQUE,
    name      text     NOT NULL,
    aland     bigint   NOT NULL,
    awater    bigint   NOT NULL,
    geom      geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX states_geom_gix ON states USING gist (geom);

CREATE TABLE counties (
    geoid     char(5)  PRIMARY KEY,
    statefp   char(2)  NOT NULL REFERENCES states (statefp),
    countyfp  char(3)  NOT NULL,
    name      text     NOT NULL,
    lsad      text     NOT NULL,
    aland     bigint   NOT NULL,
    awater    bigint   NOT NULL,
    geom      geometry(MultiPolygon, 4326) NOT NULL,
    CHECK (geoid = statefp || countyfp)
);
CREATE INDEX counties_geom_gix ON counties USING gist (geom);
CREATE INDEX counties_statefp_idx ON counties (statefp);

CREATE TABLE county_population (
    geoid       char(5) NOT NULL REFERENCES counties (geoid) ON DELETE CASCADE,
    year        integer NOT NULL,
    population  integer NOT NULL CHECK (population >= 0),
    source      text    NOT NULL,
    PRIMARY KEY (geoid, year)
);

-- A HIDTA region's polygon is the union of its member counties (refreshed on every load).
CREATE TABLE hidta_regions (
    id          text PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    geom        geometry(MultiPolygon, 4326),
    loaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hidta_regions_geom_gix ON hidta_regions USING gist (geom);

CREATE TABLE hidta_counties (
    hidta_id    text    NOT NULL REFERENCES hidta_regions (id) ON DELETE CASCADE,
    geoid       char(5) NOT NULL REFERENCES counties (geoid),
    as_of       text,
    source      text,
    PRIMARY KEY (hidta_id, geoid)
);
CREATE INDEX hidta_counties_geoid_idx ON hidta_counties (geoid);

-- What each boundary load read, so an operator can see where the layers came from.
CREATE TABLE boundary_loads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    source_dir   text        NOT NULL,
    states       integer     NOT NULL,
    counties     integer     NOT NULL,
    populations  integer     NOT NULL,
    hidtas       integer     NOT NULL,
    memberships  integer     NOT NULL
);
