-- On PostgreSQL this script makes the staging tables unlogged: they hold one batch, only inside the transaction
-- that loads it. SQL Server has no unlogged tables (SCHEMA_ONLY durability needs memory-optimized tables and
-- their filegroup, which a district's server may not have): its staging stays as it is, and this script keeps the
-- two engines' migrations in step.
SELECT 1 AS unchanged;
