-- SQL Server's 0011 drops two columns its 0006 created; PostgreSQL never had them. Kept so that both engines
-- share migration numbers, and harmless on a database whose association table was changed by hand.
ALTER TABLE lms.lmsuserlmssectionassociation DROP COLUMN IF EXISTS startdate;
ALTER TABLE lms.lmsuserlmssectionassociation DROP COLUMN IF EXISTS enddate;
