-- Windows are read per county through the primary keys (county, day) and (county, month); an index
-- on the day alone tempted the planner into reading every county's days and filtering, and cost
-- every merge an extra index update.
DROP INDEX overdose_daily_day_idx;
DROP INDEX overdose_monthly_day_idx;
DROP INDEX seizure_daily_day_idx;
DROP INDEX seizure_monthly_day_idx;
