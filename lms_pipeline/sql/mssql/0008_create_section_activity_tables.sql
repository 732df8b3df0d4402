CREATE TABLE lms.LMSSectionActivity (
    LMSSectionActivityIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserIdentifier INT NOT NULL,
    LMSSectionIdentifier INT NOT NULL,
    ActivityType NVARCHAR(60) NOT NULL,
    ActivityDateTime DATETIME2(7) NOT NULL,
    ActivityStatus NVARCHAR(60) NOT NULL,
    ParentSourceSystemIdentifier NVARCHAR(255) NULL,
    ActivityTimeInMinutes INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSSectionActivity_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSSectionActivity_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSSectionActivity_PK PRIMARY KEY CLUSTERED (LMSSectionActivityIdentifier),
    CONSTRAINT LMSSectionActivity_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_LMSSectionActivity_LMSUser FOREIGN KEY (LMSUserIdentifier)
        REFERENCES lms.LMSUser (LMSUserIdentifier) ON DELETE CASCADE,
    CONSTRAINT FK_LMSSectionActivity_LMSSection FOREIGN KEY (LMSSectionIdentifier)
        REFERENCES lms.LMSSection (LMSSectionIdentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_LMSSectionActivity (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    LMSSectionSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    ActivityType NVARCHAR(60) NOT NULL,
    ActivityDateTime DATETIME2(7) NOT NULL,
    ActivityStatus NVARCHAR(60) NOT NULL,
    ParentSourceSystemIdentifier NVARCHAR(255) NULL,
    ActivityTimeInMinutes INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSSectionActivity_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSSectionActivity_Natural_Key
    ON lms.stg_LMSSectionActivity (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
