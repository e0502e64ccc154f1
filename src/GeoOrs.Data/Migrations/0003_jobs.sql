-- Per-county totals refreshed by the scheduled aggregate job, and a record of every job run.
CREATE MATERIALIZED VIEW county_event_totals AS
SELECT c.geoid,
       coalesce(o.overdoses, 0) AS overdoses,
       coalesce(o.fatal, 0)     AS fatal_overdoses,
       coalesce(s.seizures, 0)  AS seizures
FROM counties c
LEFT JOIN (SELECT county_fips, count(*) AS overdoses, count(*) FILTER (WHERE fatal) AS fatal
           FROM overdose_events GROUP BY county_fips) o ON o.county_fips = c.geoid
LEFT JOIN (SELECT county_fips, count(*) AS seizures
           FROM seizure_events GROUP BY county_fips) s ON s.county_fips = c.geoid;
CREATE UNIQUE INDEX county_event_totals_geoid_idx ON county_event_totals (geoid);

CREATE TABLE job_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job           text        NOT NULL,
    instance_id   text        NOT NULL,
    fire_id       text        NOT NULL,
    scheduled_for timestamptz,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    detail        jsonb,
    UNIQUE (job, fire_id)
);
CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at DESC);
