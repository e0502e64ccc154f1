-- Ingest bookkeeping: how each batch was read, who ran it (to recognise batches cut off by a crash),
-- and the named column mappings senders choose with ?mapping=NAME.
ALTER TABLE ingest_batches
    ADD COLUMN mapping          text,
    ADD COLUMN mode             text NOT NULL DEFAULT 'all-or-nothing' CHECK (mode IN ('all-or-nothing', 'skip-invalid')),
    ADD COLUMN backend_pid      integer,
    ADD COLUMN outside_counties integer NOT NULL DEFAULT 0,
    ADD COLUMN duplicate_of     bigint REFERENCES ingest_batches (id),
    ADD COLUMN error            text;
CREATE INDEX ingest_batches_running_idx ON ingest_batches (status) WHERE status = 'running';

CREATE TABLE ingest_mappings (
    name        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('overdoses', 'seizures')),
    definition  jsonb NOT NULL,
    built_in    boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
