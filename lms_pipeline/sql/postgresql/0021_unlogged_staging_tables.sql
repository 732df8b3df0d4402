-- The staging tables hold one batch, only inside the transaction that loads it: they need no write-ahead log. COPY
-- into an unlogged table writes the rows once instead of twice, and after a crash PostgreSQL empties the table,
-- which is what a batch that did not commit leaves anyway. (SQL Server has no unlogged tables; its staging stays.)
ALTER TABLE lms.stg_lmsuser SET UNLOGGED;
ALTER TABLE lms.stg_lmssection SET UNLOGGED;
ALTER TABLE lms.stg_lmsuserlmssectionassociation SET UNLOGGED;
ALTER TABLE lms.stg_assignment SET UNLOGGED;
ALTER TABLE lms.stg_assignmentsubmission SET UNLOGGED;
ALTER TABLE lms.stg_assignmentsubmissiontype SET UNLOGGED;
ALTER TABLE lms.stg_lmsuserattendanceevent SET UNLOGGED;
ALTER TABLE lms.stg_lmssectionactivity SET UNLOGGED;
ALTER TABLE lms.stg_lmssystemactivity SET UNLOGGED;
ALTER TABLE lms.stg_loadkey SET UNLOGGED;
ALTER TABLE lms.stg_loadscope SET UNLOGGED;
