-- Agency integrity: an event is stored under the agency of the key that sent it (or an agency an
-- admin has delegated to that key); batches and events record the key that sent them; column
-- mappings belong to the agency that made them; and the events stored before this rule whose
-- agency differs from their sender's are listed and flagged for review (below).

-- The key that sent a batch and each of its events: an API key's 8-hex prefix, 'jwt:SUBJECT' for a
-- token, 'cli' for the command line and the demo loader. NULL for what was stored before 0014.
-- agencies: agency -> events the batch stored under it (several when a delegated key or an admin
-- forwards other agencies' records). held_for_review: of its duplicates, those of events flagged
-- for agency review (below), so a sender sees why an event it sent was not stored.
ALTER TABLE ingest_batches
    ADD COLUMN key_prefix      text,
    ADD COLUMN agencies        jsonb   NOT NULL DEFAULT '{}',
    ADD COLUMN held_for_review integer NOT NULL DEFAULT 0;
ALTER TABLE overdose_events
    ADD COLUMN key_prefix     text,
    ADD COLUMN agency_flagged boolean NOT NULL DEFAULT false;
ALTER TABLE seizure_events
    ADD COLUMN key_prefix     text,
    ADD COLUMN agency_flagged boolean NOT NULL DEFAULT false;

-- A mapping's owner may replace and delete it; other agencies may read, use and copy it. NULL owner:
-- a built-in mapping, or one stored before 0014 (whose maker is not known): only admins change those.
ALTER TABLE ingest_mappings
    ADD COLUMN owner_agency text,
    ADD COLUMN key_prefix   text;

-- The agencies other than its own that a key may submit events for (a state EMS office forwarding
-- its services' records). Granted and withdrawn by admins; every batch that uses one is audited.
CREATE TABLE ingest_delegations (
    key_prefix  text        NOT NULL CHECK (length(key_prefix) BETWEEN 1 AND 200),
    agency      text        NOT NULL CHECK (length(agency) BETWEEN 1 AND 200),
    granted_by  text,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_prefix, agency)
);

-- An audit row of a write made for another agency (an admin's agency= or a delegated key's rows)
-- names that agency here; reads leave it NULL.
ALTER TABLE audit_log ADD COLUMN acting_for text;
CREATE INDEX audit_log_acting_for_idx ON audit_log (acting_for, at) WHERE acting_for IS NOT NULL;

-- Events stored before 0014 under an agency other than their batch's. Until 0014 a non-admin key's
-- batch was always attributed to the key's own agency, but a row's source_agency (seizures: agency)
-- or a mapping constant could still name any other agency, and the event was stored as that
-- agency's: so another agency's key may have written it, and it may be blocking the named agency's
-- own later upload of the same external id (counted as a duplicate).
--
-- What happens to them: nothing is deleted or changed. Each such event sent with a non-admin key
-- (or a token, whose role was not recorded) is listed here and flagged (agency_flagged = true on
-- the event). Admins read the list at GET /api/admin/agency-review and settle each row with
-- PUT /api/admin/agency-review/{id}: "confirmed" (the sender was entitled to name that agency; the
-- flag is cleared) or "reattributed" (the event is moved to the agency of the batch that sent it,
-- freeing the external id for its rightful agency; the flag is cleared). Until then, the named
-- agency's own upload of that external id is a duplicate counted in its batch's held_for_review. Batches sent by admin keys,
-- the command line and the demo loader were entitled to name any agency and are not listed.
CREATE TABLE agency_review (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('overdoses', 'seizures')),
    event_id      bigint      NOT NULL,
    external_id   text        NOT NULL,
    event_agency  text        NOT NULL,
    batch_id      bigint      NOT NULL,
    batch_agency  text        NOT NULL,
    sender        text,
    found_at      timestamptz NOT NULL DEFAULT now(),
    resolution    text        CHECK (resolution IN ('confirmed', 'reattributed')),
    resolved_at   timestamptz,
    resolved_by   text,
    note          text        CHECK (length(note) <= 2000),
    UNIQUE (kind, event_id)
);
CREATE INDEX agency_review_open_idx ON agency_review (id) WHERE resolution IS NULL;

INSERT INTO agency_review (kind, event_id, external_id, event_agency, batch_id, batch_agency, sender)
SELECT 'overdoses', e.id, e.external_id, e.source_agency, b.id, b.agency, b.sender
FROM overdose_events e
JOIN ingest_batches b ON b.id = e.batch_id
WHERE e.source_agency <> b.agency
  AND b.sender LIKE '%@%' -- sent over HTTP ('PREFIX@ADDRESS'); the command line records a file name, the demo 'demo:NAME'
  AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.prefix = split_part(b.sender, '@', 1) AND k.role = 'admin')
ORDER BY e.id;

INSERT INTO agency_review (kind, event_id, external_id, event_agency, batch_id, batch_agency, sender)
SELECT 'seizures', e.id, e.external_id, e.agency, b.id, b.agency, b.sender
FROM seizure_events e
JOIN ingest_batches b ON b.id = e.batch_id
WHERE e.agency <> b.agency
  AND b.sender LIKE '%@%'
  AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.prefix = split_part(b.sender, '@', 1) AND k.role = 'admin')
ORDER BY e.id;

UPDATE overdose_events e SET agency_flagged = true FROM agency_review r WHERE r.kind = 'overdoses' AND r.event_id = e.id;
UPDATE seizure_events e SET agency_flagged = true FROM agency_review r WHERE r.kind = 'seizures' AND r.event_id = e.id;
