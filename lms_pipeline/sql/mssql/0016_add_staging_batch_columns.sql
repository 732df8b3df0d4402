-- A batch stages many files at once: each staged row remembers its file and line; stg_LoadScope lists the
-- scopes (source system, section, assignment) whose missing rows the batch soft-deletes, and stg_LoadKey the
-- natural keys its files list, quarantined rows included, so that bad data never deletes good data.
ALTER TABLE lms.stg_LMSUser ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_LMSSection ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_Assignment ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_AssignmentSubmissionType ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_LMSUserLMSSectionAssociation ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_AssignmentSubmission ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_LMSSectionActivity ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_LMSSystemActivity ADD BatchFileId INT NULL, SourceLine INT NULL;
ALTER TABLE lms.stg_LMSUserAttendanceEvent ADD BatchFileId INT NULL, SourceLine INT NULL;

CREATE TABLE lms.stg_LoadScope (
    BatchFileId INT NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    SectionSourceSystemIdentifier NVARCHAR(255) NULL,
    AssignmentSourceSystemIdentifier NVARCHAR(255) NULL,
    CONSTRAINT stg_LoadScope_PK PRIMARY KEY CLUSTERED (BatchFileId)
);

CREATE TABLE lms.stg_LoadKey (
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL
);

CREATE INDEX IX_stg_LoadKey_Natural_Key ON lms.stg_LoadKey (SourceSystemIdentifier, SourceSystem);
