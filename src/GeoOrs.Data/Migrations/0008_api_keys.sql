-- API keys: only a SHA-256 of each key is kept (keys are 256 random bits, so a fast hash is enough);
-- the key itself is shown once, when it is made. The prefix names a key in lists and logs.
CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix      text        NOT NULL UNIQUE,
    sha256      bytea       NOT NULL UNIQUE,
    role        text        NOT NULL CHECK (role IN ('partner', 'analyst', 'law_enforcement', 'admin')),
    agency      text        NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
