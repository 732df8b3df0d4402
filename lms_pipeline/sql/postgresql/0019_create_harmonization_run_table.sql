-- One row per LMS harmonized, with what harmonizing it left and did: the run journal's record of match rates over
-- time. flowrunid is the pipeline's (root) flow run, as in lms.loadrun; an assignment or submission count is NULL
-- when the procedures did not report it (a district's own replacement).
CREATE TABLE lms.harmonizationrun (
    harmonizationrunid INT GENERATED ALWAYS AS IDENTITY,
    flowrunid VARCHAR(64) NULL,
    lmsname VARCHAR(32) NOT NULL,
    recordedat TIMESTAMP NOT NULL DEFAULT now(),
    usersmatched INT NOT NULL,
    usersunmatched INT NOT NULL,
    usersambiguous INT NOT NULL,
    sectionsmatched INT NOT NULL,
    sectionsunmatched INT NOT NULL,
    sectionsambiguous INT NOT NULL,
    assignmentsinserted INT NULL,
    assignmentsupdated INT NULL,
    assignmentsdeleted INT NULL,
    assignmentsunmatched INT NOT NULL,
    submissionsinserted INT NULL,
    submissionsupdated INT NULL,
    submissionsdeleted INT NULL,
    submissionsunmatched INT NOT NULL,
    CONSTRAINT harmonizationrun_pk PRIMARY KEY (harmonizationrunid)
);
