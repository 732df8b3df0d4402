-- The reference's mapping indexes filter on DeletedAt IS NOT NULL (bug B11); matching reads live rows.
CREATE INDEX ix_lmsuser_edfistudentid_live ON lms.lmsuser (edfistudentid) WHERE deletedat IS NULL;
CREATE INDEX ix_lmssection_edfisectionid_live ON lms.lmssection (edfisectionid) WHERE deletedat IS NULL;
-- Soft deletes and parent look-ups go by these foreign keys.
CREATE INDEX ix_assignment_lmssectionidentifier ON lms.assignment (lmssectionidentifier);
CREATE INDEX ix_assignmentsubmission_assignmentidentifier ON lms.assignmentsubmission (assignmentidentifier);
CREATE INDEX ix_lmsuserlmssectionassociation_section ON lms.lmsuserlmssectionassociation (lmssectionidentifier, lmsuseridentifier);
CREATE INDEX ix_lmssectionactivity_lmssectionidentifier ON lms.lmssectionactivity (lmssectionidentifier);
