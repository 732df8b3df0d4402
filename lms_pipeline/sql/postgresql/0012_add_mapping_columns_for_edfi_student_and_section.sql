-- SQL Server adds the Ed-Fi mapping columns here; on PostgreSQL 0002 and 0004 already create them.
ALTER TABLE lms.lmsuser ADD COLUMN IF NOT EXISTS edfistudentid UUID NULL;
ALTER TABLE lms.lmssection ADD COLUMN IF NOT EXISTS edfisectionid UUID NULL;
