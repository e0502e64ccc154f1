-- The perturbation table widened to -6..+6 with light tails (ADR 0011, "Revision"). With -4..+4,
-- an interval audit over many draws of record keys found about one withheld small figure in 20,000
-- whose feasible interval excluded 0 and spanned 4 values; an attacker's bounds come from the
-- table's support, so a wider support whose extremes are rare keeps those intervals wide (the
-- narrowest excluding 0 was 10 values) at nearly the same error (variance 4.45, was 3.9). Cells of
-- five or fewer events keep the old row, so they are never published above 9.
-- GeoOrs.Analysis.Privacy.CellKeyPerturbation holds the same numbers, and a test holds the two equal.
--   a cell counting n >= 6 events: noise -6..+6 with probabilities
--     .005 .015 .03 .06 .12 .17 .20 .17 .12 .06 .03 .015 .005;
--   a cell counting 1 to 5 events: noise -4..+4 as before (.04 .07 .13 .16 .20 .16 .13 .07 .04), so
--     five or fewer events are never published above 9;
--   the published value is max(0, n + noise);
--   a cell counting no event: unchanged, 0 with probability .80, else 1, 2, 3, 4 (.08 .06 .04 .02).
CREATE OR REPLACE FUNCTION geoors_perturb(n bigint, u double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE WHEN n = 0 THEN
               CASE WHEN u < 0.80 THEN 0 WHEN u < 0.88 THEN 1 WHEN u < 0.94 THEN 2 WHEN u < 0.98 THEN 3 ELSE 4 END
           WHEN n <= 5 THEN greatest(0, n +
               CASE WHEN u < 0.04 THEN -4 WHEN u < 0.11 THEN -3 WHEN u < 0.24 THEN -2 WHEN u < 0.40 THEN -1
                    WHEN u < 0.60 THEN 0 WHEN u < 0.76 THEN 1 WHEN u < 0.89 THEN 2 WHEN u < 0.96 THEN 3 ELSE 4 END)
           ELSE greatest(0, n +
               CASE WHEN u < 0.005 THEN -6 WHEN u < 0.02 THEN -5 WHEN u < 0.05 THEN -4 WHEN u < 0.11 THEN -3
                    WHEN u < 0.23 THEN -2 WHEN u < 0.40 THEN -1 WHEN u < 0.60 THEN 0 WHEN u < 0.77 THEN 1
                    WHEN u < 0.89 THEN 2 WHEN u < 0.95 THEN 3 WHEN u < 0.98 THEN 4 WHEN u < 0.995 THEN 5 ELSE 6 END)
           END
$$;

-- Every public figure changes: cached public tiles and their validators are renewed.
SELECT geoors_bump('overdoses'), geoors_bump('seizures');
