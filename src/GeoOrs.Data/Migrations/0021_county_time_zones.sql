-- Each county's IANA time zone (issue "local days"): the zone its residents keep, loaded with the
-- boundaries from shapefiles/county_timezones.csv or a table of the operator's own. Days are to be
-- counted on the county's own calendar, so a county without a zone is refused at load rather than
-- left to count in UTC. Counties loaded before this migration get their zone at the next load, which
-- a server starts by itself when a county has none.
ALTER TABLE counties ADD COLUMN time_zone text;
COMMENT ON COLUMN counties.time_zone IS 'IANA time zone of the county (e.g. America/Chicago), from the boundary load''s time zone table';
