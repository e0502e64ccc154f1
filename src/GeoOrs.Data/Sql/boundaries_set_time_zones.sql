-- Each county's zone from the staged table (zones_in), after boundaries_check_time_zones found every
-- county in it and every zone known. Returns the counties whose zone was set or changed: their
-- events' local days are recounted (boundaries_recount_local_days).
UPDATE counties c
SET time_zone = z.tz
FROM zones_in z
WHERE c.geoid = z.geoid
  AND c.time_zone IS DISTINCT FROM z.tz
RETURNING c.geoid::text;
