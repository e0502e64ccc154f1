-- Where naloxone already is (vending machines, pharmacies, libraries, fire stations …), as each
-- agency lists its own: the planner counts their coverage as done, and the target areas' need
-- index uses the share of overdoses they cover.
CREATE TABLE naloxone_sites (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency    text        NOT NULL,
    name      text        NOT NULL,
    geom      geometry(Point, 4326) NOT NULL,
    added_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX naloxone_sites_geom_gix ON naloxone_sites USING gist (geom);
CREATE INDEX naloxone_sites_agency_idx ON naloxone_sites (agency);
