CREATE TABLE lms.LMSSection (
    LMSSectionIdentifier INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    SISSectionIdentifier NVARCHAR(255) NULL,
    Title NVARCHAR(255) NOT NULL,
    SectionDescription NVARCHAR(1024) NULL,
    Term NVARCHAR(60) NULL,
    LMSSectionStatus NVARCHAR(60) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSSection_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSSection_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSSection_PK PRIMARY KEY CLUSTERED (LMSSectionIdentifier),
    CONSTRAINT LMSSection_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem)
);

CREATE TABLE lms.stg_LMSSection (
    StagingId INT IDENTITY NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    SISSectionIdentifier NVARCHAR(255) NULL,
    Title NVARCHAR(255) NOT NULL,
    SectionDescription NVARCHAR(1024) NULL,
    Term NVARCHAR(60) NULL,
    LMSSectionStatus NVARCHAR(60) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSSection_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSSection_Natural_Key ON lms.stg_LMSSection (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
