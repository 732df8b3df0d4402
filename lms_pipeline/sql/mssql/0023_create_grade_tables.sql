-- Grades (issue 17): the LMSGrade entity of the LMS-Toolkit's MetaEd model, which the reference never created
-- (loader contract B15). A grade belongs to one enrolment; its section is the enrolment's.
CREATE TABLE lms.LMSGrade (
    LMSGradeIdentifier INT IDENTITY NOT NULL,
    LMSUserLMSSectionAssociationIdentifier INT NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    Grade NVARCHAR(20) NOT NULL,
    GradeType NVARCHAR(60) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSGrade_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSGrade_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSGrade_PK PRIMARY KEY CLUSTERED (LMSGradeIdentifier),
    CONSTRAINT LMSGrade_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_LMSGrade_LMSUserLMSSectionAssociation FOREIGN KEY (LMSUserLMSSectionAssociationIdentifier)
        REFERENCES lms.LMSUserLMSSectionAssociation (LMSUserLMSSectionAssociationIdentifier) ON DELETE CASCADE
);

-- As 0017 and 0022 give the other live tables: the soft delete of a section's grades goes by the enrolment, and the
-- un-delete looks among the soft-deleted rows by natural key.
CREATE INDEX IX_LMSGrade_LMSUserLMSSectionAssociationIdentifier ON lms.LMSGrade (LMSUserLMSSectionAssociationIdentifier);
CREATE INDEX IX_LMSGrade_Deleted ON lms.LMSGrade (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;

-- Staging as the others have it after 0016 and 0022: the batch columns, no natural-key index. (SQL Server has no
-- unlogged tables, 0021.) The runtime role may empty it once roles/03_grant_runtime.sql has run again.
CREATE TABLE lms.stg_LMSGrade (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    Grade NVARCHAR(20) NOT NULL,
    GradeType NVARCHAR(60) NULL,
    LMSUserLMSSectionAssociationSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    BatchFileId INT NULL,
    SourceLine INT NULL,
    CONSTRAINT stg_LMSGrade_PK PRIMARY KEY CLUSTERED (StagingId)
);
