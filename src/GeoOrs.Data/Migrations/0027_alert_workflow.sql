-- The spike-response workflow (docs/adr/0028-spike-response-workflow.md): each alert's status, owning
-- agency and assignee; the numbered changes of them, which streams and webhooks carry; notes and the
-- actions taken; and the response-plan template each area's actions are chosen from.

-- Each alert's state, one row per alert of any method or kind, made with the alert (the trigger
-- below) so that every change is an UPDATE of a row that exists: a change is compare-and-set on
-- `change`, and of two callers who read the same change only the first to update the row wins.
CREATE TABLE alert_states (
    alert_id      text        PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
    status        text        NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'acknowledged', 'investigating', 'responded', 'closed', 'dismissed')),
    owner_agency  text,
    assignee      text,
    reason        text,
    change        integer     NOT NULL DEFAULT 0 CHECK (change >= 0),
    changed_at    timestamptz,
    CHECK (status = 'new' OR owner_agency IS NOT NULL OR status = 'dismissed'),
    CHECK ((status = 'dismissed') = (reason IS NOT NULL))
);
COMMENT ON TABLE alert_states IS 'Each alert''s place in the response workflow; change counts the changes made to it';

INSERT INTO alert_states (alert_id) SELECT id FROM alerts;

CREATE FUNCTION geoors_alert_states_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO alert_states (alert_id) SELECT n.id FROM new_rows n ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER alerts_states_insert AFTER INSERT ON alerts
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoors_alert_states_insert();

-- Every change of an alert's state, numbered per alert from 1, with who made it. Its seq is drawn
-- from the alerts' own sequence, under the same advisory lock (AlertStore.SequenceLock), so that
-- alerts and their changes share one order: a stream's position is one number.
CREATE TABLE alert_changes (
    alert_id         text        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    change           integer     NOT NULL CHECK (change >= 1),
    seq              bigint      NOT NULL UNIQUE,
    at               timestamptz NOT NULL DEFAULT now(),
    key_prefix       text,
    role             text        NOT NULL,
    agency           text,
    previous_status  text        NOT NULL,
    status           text        NOT NULL,
    owner_agency     text,
    assignee         text,
    reason           text,
    PRIMARY KEY (alert_id, change)
);

DO $$
BEGIN
    EXECUTE format('ALTER TABLE alert_changes ALTER COLUMN seq SET DEFAULT nextval(%L::regclass)', pg_get_serial_sequence('alerts', 'seq'));
END
$$;

-- Notes, and the actions taken (an action is a key of the area's response plan, with its label as
-- it read when the action was recorded).
CREATE TABLE alert_notes (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id      text        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    key_prefix    text,
    role          text        NOT NULL,
    agency        text,
    text          text,
    action        text,
    action_label  text,
    CHECK (text IS NOT NULL OR action IS NOT NULL),
    CHECK ((action IS NULL) = (action_label IS NULL))
);
CREATE INDEX alert_notes_alert_idx ON alert_notes (alert_id, id);

-- An area's response-plan template, as an admin edits it: the actions a responder chooses from.
-- An area without one uses the built-in default (AlertWorkflow.DefaultPlan).
CREATE TABLE response_plans (
    area_kind   text        NOT NULL CHECK (area_kind IN ('county', 'hidta', 'county_neighbors')),
    area_id     text        NOT NULL,
    actions     jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text,
    PRIMARY KEY (area_kind, area_id)
);

-- Webhook deliveries of changes: change 0 is the alert itself, N its N-th change.
ALTER TABLE webhook_outbox ADD COLUMN change integer NOT NULL DEFAULT 0 CHECK (change >= 0);
ALTER TABLE webhook_outbox DROP CONSTRAINT webhook_outbox_webhook_id_alert_id_key;
ALTER TABLE webhook_outbox ADD CONSTRAINT webhook_outbox_webhook_id_alert_id_change_key UNIQUE (webhook_id, alert_id, change);
