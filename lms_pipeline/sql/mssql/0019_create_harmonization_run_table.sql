-- One row per LMS harmonized, with what harmonizing it left and did: the run journal's record of match rates over
-- time. FlowRunId is the pipeline's (root) flow run, as in lms.LoadRun; an assignment or submission count is NULL
-- when the procedures did not report it (a district's own replacement).
CREATE TABLE lms.HarmonizationRun (
    HarmonizationRunId INT IDENTITY NOT NULL,
    FlowRunId NVARCHAR(64) NULL,
    LmsName NVARCHAR(32) NOT NULL,
    RecordedAt DATETIME2(7) NOT NULL CONSTRAINT HarmonizationRun_DF_RecordedAt DEFAULT (getdate()),
    UsersMatched INT NOT NULL,
    UsersUnmatched INT NOT NULL,
    UsersAmbiguous INT NOT NULL,
    SectionsMatched INT NOT NULL,
    SectionsUnmatched INT NOT NULL,
    SectionsAmbiguous INT NOT NULL,
    AssignmentsInserted INT NULL,
    AssignmentsUpdated INT NULL,
    AssignmentsDeleted INT NULL,
    AssignmentsUnmatched INT NOT NULL,
    SubmissionsInserted INT NULL,
    SubmissionsUpdated INT NULL,
    SubmissionsDeleted INT NULL,
    SubmissionsUnmatched INT NOT NULL,
    CONSTRAINT HarmonizationRun_PK PRIMARY KEY CLUSTERED (HarmonizationRunId)
);
