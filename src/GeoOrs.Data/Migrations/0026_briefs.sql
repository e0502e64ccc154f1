-- Data briefs (docs/adr/0027-data-briefs.md): an agency's subscriptions to an area's weekly brief,
-- whose link is POSTed to the subscription's URL, signed with its secret as alert webhooks are; the archive of the briefs made, as sent, with the data
-- versions they were made from; and each brief's delivery to each subscription, an outbox claimed
-- by every server as the alerts' is.

CREATE TABLE brief_subscriptions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency      text        NOT NULL,
    key_prefix  text,
    area_kind   text        NOT NULL CHECK (area_kind IN ('county', 'hidta', 'state')),
    area_id     text        NOT NULL CHECK (length(area_id) BETWEEN 1 AND 100),
    audience    text        NOT NULL CHECK (audience IN ('public', 'partner')),
    url         text        NOT NULL,
    secret      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency, area_kind, area_id, audience, url)
);

-- A brief as it was made: the PDF and the HTML, for whom (the public, or a partner agency's view)
-- and from which data. One per area, audience, agency and window: a second making of the same
-- brief (another server, a retried job) finds the first.
CREATE TABLE briefs (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    area_kind     text        NOT NULL CHECK (area_kind IN ('county', 'hidta', 'state')),
    area_id       text        NOT NULL,
    area_name     text        NOT NULL,
    audience      text        NOT NULL CHECK (audience IN ('public', 'partner')),
    agency        text,
    period        text        NOT NULL,
    window_from   date        NOT NULL,
    window_to     date        NOT NULL,
    made_at       timestamptz NOT NULL DEFAULT now(),
    data_versions jsonb       NOT NULL,
    pdf           bytea       NOT NULL,
    html          bytea       NOT NULL,
    CHECK ((audience = 'public') = (agency IS NULL))
);
CREATE UNIQUE INDEX briefs_once_idx ON briefs (area_kind, area_id, audience, coalesce(agency, ''), window_from, window_to);

CREATE TABLE brief_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint      NOT NULL REFERENCES brief_subscriptions (id) ON DELETE CASCADE,
    brief_id        bigint      NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, brief_id)
);
CREATE INDEX brief_deliveries_due_idx ON brief_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
