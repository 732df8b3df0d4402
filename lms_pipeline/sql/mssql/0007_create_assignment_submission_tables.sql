CREATE TABLE lms.AssignmentSubmission (
    AssignmentSubmissionIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    AssignmentIdentifier INT NOT NULL,
    LMSUserIdentifier INT NOT NULL,
    SubmissionStatus NVARCHAR(255) NULL,
    SubmissionDateTime DATETIME2(7) NULL,
    EarnedPoints INT NULL,
    Grade NVARCHAR(20) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmission_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmission_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT AssignmentSubmission_PK PRIMARY KEY CLUSTERED (AssignmentSubmissionIdentifier),
    CONSTRAINT AssignmentSubmission_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_AssignmentSubmission_Assignment FOREIGN KEY (AssignmentIdentifier)
        REFERENCES lms.Assignment (AssignmentIdentifier) ON DELETE CASCADE,
    CONSTRAINT FK_AssignmentSubmission_User FOREIGN KEY (LMSUserIdentifier)
        REFERENCES lms.LMSUser (LMSUserIdentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_AssignmentSubmission (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    AssignmentSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    LMSUserSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SubmissionStatus NVARCHAR(255) NULL,
    SubmissionDateTime DATETIME2(7) NULL,
    EarnedPoints INT NULL,
    Grade NVARCHAR(20) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_AssignmentSubmission_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_AssignmentSubmission_Natural_Key
    ON lms.stg_AssignmentSubmission (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
