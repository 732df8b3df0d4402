CREATE TABLE lms.Assignment (
    AssignmentIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSSectionIdentifier INT NOT NULL,
    Title NVARCHAR(255) NOT NULL,
    AssignmentCategory NVARCHAR(60) NOT NULL,
    AssignmentDescription NVARCHAR(1024) NULL,
    StartDateTime DATETIME2(7) NULL,
    EndDateTime DATETIME2(7) NULL,
    DueDateTime DATETIME2(7) NULL,
    MaxPoints INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT Assignment_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT Assignment_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT Assignment_PK PRIMARY KEY CLUSTERED (AssignmentIdentifier),
    CONSTRAINT Assignment_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_Assignment_LMSSection FOREIGN KEY (LMSSectionIdentifier)
        REFERENCES lms.LMSSection (LMSSectionIdentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_Assignment (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSSectionSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    Title NVARCHAR(255) NOT NULL,
    AssignmentCategory NVARCHAR(60) NOT NULL,
    AssignmentDescription NVARCHAR(1024) NULL,
    StartDateTime DATETIME2(7) NULL,
    EndDateTime DATETIME2(7) NULL,
    DueDateTime DATETIME2(7) NULL,
    MaxPoints INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_Assignment_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_Assignment_Natural_Key ON lms.stg_Assignment (SourceSystemIdentifier, SourceSystem, LastModifiedDate);

CREATE TABLE lms.AssignmentSubmissionType (
    AssignmentIdentifier INT NOT NULL,
    SubmissionType NVARCHAR(60) NOT NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT AssignmentSubmissionType_DF_CreateDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT AssignmentSubmissionType_PK PRIMARY KEY CLUSTERED (AssignmentIdentifier, SubmissionType),
    CONSTRAINT FK_AssignmentSubmissionType_Assignment FOREIGN KEY (AssignmentIdentifier)
        REFERENCES lms.Assignment (AssignmentIdentifier) ON DELETE CASCADE
);

-- The reference names this index like its foreign key; SQL Server allows it, as index names are per table.
CREATE NONCLUSTERED INDEX FK_AssignmentSubmissionType_Assignment ON lms.AssignmentSubmissionType (AssignmentIdentifier);

-- The natural key here is the assignment's.
CREATE TABLE lms.stg_AssignmentSubmissionType (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    SubmissionType NVARCHAR(60) NOT NULL,
    CreateDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_AssignmentSubmissionType_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_AssignmentSubmissionType_Natural_Key ON lms.stg_AssignmentSubmissionType (SourceSystemIdentifier, SourceSystem);
