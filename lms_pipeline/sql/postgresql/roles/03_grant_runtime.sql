-- lms-pipeline least privilege, step 3 of 3: the runtime role's rights on the lms schema. Run AFTER the
-- migration role has applied the migrations (`lms-pipeline migrate -u lms_migration ...`), as the migration role
-- (the owner of the lms objects) or a superuser, connected to the database:
--
--   psql -h <server> -U lms_migration -d <database> \
--        -v migration_role=lms_migration -v runtime_role=lms_runtime -f 03_grant_runtime.sql
--
-- What the runtime role gets, and why:
--   USAGE on the schema lms                     to name its objects (no CREATE: it makes no table, view, function)
--   SELECT, INSERT, UPDATE, DELETE on tables    journal, load runs, quarantine, merge and soft delete of live rows
--   TRUNCATE on tables                          each batch empties the stg_ tables first (TRUNCATE is not DELETE)
--   USAGE, SELECT on sequences                  identity columns of the journal and run tables
--   EXECUTE on functions and procedures         the harmonizer's procedures (CALL lms.harmonize_...)
-- Default privileges give it the same on what a later migration creates, so upgrades need no new grants. It never
-- owns anything: only an owner may ALTER or DROP, so it cannot change the schema.
\set ON_ERROR_STOP on

GRANT USAGE ON SCHEMA lms TO :"runtime_role";
REVOKE CREATE ON SCHEMA lms FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA lms TO :"runtime_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA lms TO :"runtime_role";
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA lms TO :"runtime_role";

ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA lms
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO :"runtime_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA lms
    GRANT USAGE, SELECT ON SEQUENCES TO :"runtime_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA lms
    GRANT EXECUTE ON ROUTINES TO :"runtime_role";

-- In an Ed-Fi ODS: the exception views the migration role made in lmsx, now and after later migrations.
SELECT to_regnamespace('lmsx') IS NOT NULL AS is_ods \gset
\if :is_ods
SELECT format('GRANT SELECT ON %I.%I TO %I', schemaname, viewname, :'runtime_role')
FROM pg_views WHERE schemaname = 'lmsx' AND viewowner = :'migration_role' \gexec
ALTER DEFAULT PRIVILEGES FOR ROLE :"migration_role" IN SCHEMA lmsx GRANT SELECT ON TABLES TO :"runtime_role";
\endif
