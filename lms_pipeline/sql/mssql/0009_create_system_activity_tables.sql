CREATE TABLE lms.LMSSystemActivity (
    LMSSystemActivityIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserIdentifier INT NOT NULL,
    ActivityType NVARCHAR(60) NOT NULL,
    ActivityDateTime DATETIME2(7) NOT NULL,
    ActivityStatus NVARCHAR(60) NOT NULL,
    ParentSourceSystemIdentifier NVARCHAR(255) NULL,
    ActivityTimeInMinutes INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSSystemActivity_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSSystemActivity_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSSystemActivity_PK PRIMARY KEY CLUSTERED (LMSSystemActivityIdentifier),
    CONSTRAINT LMSSystemActivity_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_LMSSystemActivity_LMSUser FOREIGN KEY (LMSUserIdentifier)
        REFERENCES lms.LMSUser (LMSUserIdentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_LMSSystemActivity (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    LMSUserSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    ActivityType NVARCHAR(60) NOT NULL,
    ActivityDateTime DATETIME2(7) NOT NULL,
    ActivityStatus NVARCHAR(60) NOT NULL,
    ParentSourceSystemIdentifier NVARCHAR(255) NULL,
    ActivityTimeInMinutes INT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSSystemActivity_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSSystemActivity_Natural_Key
    ON lms.stg_LMSSystemActivity (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
