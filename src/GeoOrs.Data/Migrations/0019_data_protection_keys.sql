-- The ASP.NET Core Data Protection key ring, kept in the database that every server of a deployment
-- shares (docs/adr/0013-hangfire-jobs.md, "The dashboard's session"): a cookie one server issued is
-- read by any other, with or without sticky sessions. Data Protection adds a key when the newest is
-- near its 90 days and never deletes one. The XML holds the key material itself, readable by whoever
-- reads this database, as everything else in it is.
CREATE TABLE data_protection_keys (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text,
    xml text
);
