-- Overdose and seizure events (points) and the ingest batches that bring them in.
CREATE TABLE ingest_batches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('overdoses', 'seizures')),
    agency        text        NOT NULL,
    sender        text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    format        text        NOT NULL,
    bytes         bigint      NOT NULL DEFAULT 0,
    sha256        text,
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'committed', 'rejected', 'failed', 'duplicate')),
    rows_read     integer     NOT NULL DEFAULT 0,
    accepted      integer     NOT NULL DEFAULT 0,
    rejected      integer     NOT NULL DEFAULT 0,
    duplicates    integer     NOT NULL DEFAULT 0,
    errors        jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX ingest_batches_sha256_idx ON ingest_batches (kind, agency, sha256);

CREATE TABLE overdose_events (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_agency           text        NOT NULL,
    external_id             text        NOT NULL,
    occurred_at             timestamptz NOT NULL,
    geom                    geometry(Point, 4326) NOT NULL,
    location_precision      text        NOT NULL CHECK (location_precision IN
                              ('exact', 'randomized', 'block', 'city_centroid', 'zip_centroid', 'county_centroid')),
    fatal                   boolean     NOT NULL,
    naloxone_administered   boolean,
    naloxone_doses          smallint    CHECK (naloxone_doses >= 0),
    suspected_drugs         text[]      NOT NULL DEFAULT '{}',
    age_band                text,
    sex                     text,
    county_fips             char(5)     REFERENCES counties (geoid),
    hidta_id                text        REFERENCES hidta_regions (id) ON DELETE SET NULL,
    batch_id                bigint      REFERENCES ingest_batches (id),
    UNIQUE (source_agency, external_id)
);
CREATE INDEX overdose_events_geom_gix ON overdose_events USING gist (geom);
CREATE INDEX overdose_events_occurred_at_idx ON overdose_events (occurred_at);
CREATE INDEX overdose_events_county_idx ON overdose_events (county_fips, occurred_at);

CREATE TABLE seizure_events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency            text        NOT NULL,
    external_id       text        NOT NULL,
    seized_at         timestamptz NOT NULL,
    geom              geometry(Point, 4326) NOT NULL,
    drug              text        NOT NULL,
    quantity          double precision NOT NULL CHECK (quantity >= 0),
    unit              text        NOT NULL,
    quantity_grams    double precision,
    dosage_units      double precision,
    case_reference    text,
    county_fips       char(5)     REFERENCES counties (geoid),
    hidta_id          text        REFERENCES hidta_regions (id) ON DELETE SET NULL,
    batch_id          bigint      REFERENCES ingest_batches (id),
    UNIQUE (agency, external_id)
);
CREATE INDEX seizure_events_geom_gix ON seizure_events USING gist (geom);
CREATE INDEX seizure_events_seized_at_idx ON seizure_events (seized_at);
CREATE INDEX seizure_events_county_idx ON seizure_events (county_fips, seized_at);
