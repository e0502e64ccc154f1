-- A change of data says what it touched, so that servers drop only the cached tiles it reaches
-- (docs/adr/0022-invalidation-by-what-changed.md). Every bump now notifies channel geoors_data with
-- a JSON payload that carries the kind and its new version; geoors_bump(kind) still means "anything
-- of this kind may have changed" ({"kind":"overdoses","version":42}).
CREATE OR REPLACE FUNCTION geoors_bump(k text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    UPDATE data_versions SET version = version + 1, changed_at = now() WHERE kind = k RETURNING version INTO v;
    PERFORM pg_notify('geoors_data', json_build_object('kind', k, 'version', v)::text);
    RETURN v;
END
$$;

-- A commit of events names the counties (FIPS) of its events, their first and last local days and
-- the lon/lat box of their positions (true and geomasked):
-- {"kind":"overdoses","version":43,"counties":["24510"],"days":["2026-12-07","2026-12-07"],"box":[w,s,e,n]}.
-- A payload must stay under NOTIFY's 8000 bytes: one that would not fit (a batch over a great many
-- counties), or that lacks its days or box, is sent as the whole kind instead.
CREATE FUNCTION geoors_bump_touched(k text, counties text[], first_day date, last_day date,
                                    west float8, south float8, east float8, north float8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    payload text;
BEGIN
    UPDATE data_versions SET version = version + 1, changed_at = now() WHERE kind = k RETURNING version INTO v;
    payload := json_build_object('kind', k, 'version', v, 'counties', coalesce(counties, '{}'::text[]),
                                 'days', json_build_array(first_day, last_day),
                                 'box', json_build_array(west, south, east, north))::text;
    IF first_day IS NULL OR last_day IS NULL OR west IS NULL OR south IS NULL OR east IS NULL OR north IS NULL
       OR octet_length(payload) > 7000 THEN
        payload := json_build_object('kind', k, 'version', v)::text;
    END IF;
    PERFORM pg_notify('geoors_data', payload);
    RETURN v;
END
$$;
