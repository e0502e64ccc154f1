-- Who sees what: agencies' sharing rules and the audit log of point-level reads.

-- An agency with rows here restricts its own events to the partner agencies named (a row naming
-- the agency itself restricts them to nobody else). Agencies without rows share with every role
-- entitled to events. Admins see everything.
CREATE TABLE agency_sharing (
    owner       text        NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
    partner     text        NOT NULL CHECK (length(partner) BETWEEN 1 AND 200),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, partner)
);

-- Every read or export of point-level data: who (key prefix, role, agency), what (endpoint and
-- its parameters, a bbox or tile, the ids read when they are few) and how many rows.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    key_prefix  text,
    role        text        NOT NULL,
    agency      text,
    endpoint    text        NOT NULL,
    detail      text,
    bbox        double precision[],
    ids         bigint[],
    row_count   integer     NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_key_idx ON audit_log (key_prefix, at);
