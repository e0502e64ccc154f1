-- Hangfire replaces Quartz (docs/adr/0013-hangfire-jobs.md). Quartz created its tables itself
-- (qrtz_*, in the GeoOrs schema); they go, whichever of them a database has. Hangfire keeps its
-- own tables in the schema "hangfire", which its installer creates and upgrades.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'qrtz\_%' LOOP
        EXECUTE format('DROP TABLE %I CASCADE', t);
    END LOOP;
END
$$;
