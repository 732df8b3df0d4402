CREATE TABLE lms.LMSUser (
    LMSUserIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    UserRole NVARCHAR(60) NOT NULL,
    SISUserIdentifier NVARCHAR(255) NULL,
    LocalUserIdentifier NVARCHAR(255) NULL,
    Name NVARCHAR(255) NOT NULL,
    EmailAddress NVARCHAR(255) NOT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSUser_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSUser_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSUser_PK PRIMARY KEY CLUSTERED (LMSUserIdentifier),
    CONSTRAINT UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem)
);

CREATE TABLE lms.stg_LMSUser (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    UserRole NVARCHAR(60) NOT NULL,
    SISUserIdentifier NVARCHAR(255) NULL,
    LocalUserIdentifier NVARCHAR(255) NULL,
    Name NVARCHAR(255) NOT NULL,
    EmailAddress NVARCHAR(255) NOT NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSUser_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSUser_Natural_Key ON lms.stg_LMSUser (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
