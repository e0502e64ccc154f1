-- Hot spot, emerging hot spot and spike runs with their results; alerts and their delivery.

-- One run of an analysis job: what it was asked (parameters, the window of days) and what it found.
CREATE TABLE analysis_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('hotspots', 'emerging', 'spikes')),
    job_run_id    bigint      REFERENCES job_runs (id) ON DELETE SET NULL,
    reason        text        NOT NULL CHECK (reason IN ('schedule', 'ingest', 'recovery', 'manual')),
    parameters    jsonb       NOT NULL,
    window_from   date        NOT NULL,
    window_to     date        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    duration_ms   integer,
    status        text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    summary       jsonb
);
CREATE INDEX analysis_runs_kind_idx ON analysis_runs (kind, status, id DESC);

-- The cells of a run: hexagons ('hex') and counties ('county') of a hot spot run with Gi* z, p
-- and bin; hexagons of an emerging hot spot run ('emerging') with their category and trend;
-- kernel density cells ('heat'). Each state is analysed on its own, so hexagons are clipped to
-- their state and their ids carry its FIPS code ("39:-7,330"). events counts the events in the cell (for 'heat', within the
-- kernel's reach of its centre), which decides what the public sees.
CREATE TABLE hotspot_cells (
    run_id      bigint           NOT NULL REFERENCES analysis_runs (id) ON DELETE CASCADE,
    scale       text             NOT NULL CHECK (scale IN ('hex', 'county', 'emerging', 'heat')),
    cell_id     text             NOT NULL,
    geom        geometry(MultiPolygon, 4326),
    events      integer          NOT NULL,
    z           double precision,
    p           double precision,
    bin         smallint,
    category    text,
    trend_z     double precision,
    trend_p     double precision,
    density     double precision,
    PRIMARY KEY (run_id, scale, cell_id)
);
CREATE INDEX hotspot_cells_geom_gix ON hotspot_cells USING gist (geom);

-- A spike: an area's count on a day above what a method expects. The id is a hash of
-- (area_kind, area_id, method, day), so a day found again by a later run is the same alert.
CREATE TABLE alerts (
    id          text             PRIMARY KEY,
    seq         bigint           GENERATED ALWAYS AS IDENTITY UNIQUE,
    run_id      bigint           REFERENCES analysis_runs (id) ON DELETE SET NULL,
    area_kind   text             NOT NULL CHECK (area_kind IN ('county', 'hidta', 'county_neighbors')),
    area_id     text             NOT NULL,
    area_name   text,
    method      text             NOT NULL,
    day         date             NOT NULL,
    observed    integer          NOT NULL,
    expected    double precision,
    statistic   double precision,
    threshold   double precision,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (area_kind, area_id, method, day)
);
CREATE INDEX alerts_area_idx ON alerts (area_kind, area_id, day);
CREATE INDEX alerts_day_idx ON alerts (day);

-- ODMAP's fixed "N overdoses in 24 hours" per area.
CREATE TABLE alert_thresholds (
    area_kind   text    NOT NULL CHECK (area_kind IN ('county', 'hidta', 'county_neighbors')),
    area_id     text    NOT NULL,
    threshold   integer NOT NULL CHECK (threshold >= 1),
    PRIMARY KEY (area_kind, area_id)
);

-- Webhook subscriptions and the outbox their deliveries are made from.
CREATE TABLE webhooks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         text        NOT NULL CHECK (url ~ '^https?://'),
    secret      text        NOT NULL,
    agency      text,
    key_prefix  text,
    area_kind   text        CHECK (area_kind IN ('county', 'hidta', 'county_neighbors')),
    area_id     text,
    methods     text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    alert_id        text        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_status     integer,
    last_error      text,
    UNIQUE (webhook_id, alert_id)
);
CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Hot spot results are a kind of data with a version, so tiles built on them drop from caches
-- when a run finishes.
ALTER TABLE data_versions DROP CONSTRAINT data_versions_kind_check;
ALTER TABLE data_versions ADD CONSTRAINT data_versions_kind_check CHECK (kind IN ('boundaries', 'overdoses', 'seizures', 'hotspots'));
INSERT INTO data_versions (kind) VALUES ('hotspots');

-- The cells of the latest succeeded runs as features (OGC API – Features): hot spot hexagons and
-- counties (county cells take the county's boundary) with the emerging hot spot hexagons, and the
-- density hexagons.
CREATE VIEW hotspot_features AS
SELECT c.scale || ':' || c.cell_id AS id, c.scale, c.cell_id, coalesce(c.geom, co.geom) AS geom,
       c.events, c.z, c.p, c.bin, c.category, c.trend_z, c.trend_p, c.run_id
FROM hotspot_cells c
LEFT JOIN counties co ON c.scale = 'county' AND co.geoid = c.cell_id
WHERE (c.scale IN ('hex', 'county') AND c.run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded'))
   OR (c.scale = 'emerging' AND c.run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'emerging' AND status = 'succeeded'));

CREATE VIEW heat_features AS
SELECT c.cell_id AS id, c.geom, c.events, c.density, c.run_id
FROM hotspot_cells c
WHERE c.scale = 'heat' AND c.run_id = (SELECT max(id) FROM analysis_runs WHERE kind = 'hotspots' AND status = 'succeeded');
