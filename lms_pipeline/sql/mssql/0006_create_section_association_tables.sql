-- StartDate and EndDate are created here as the reference did; 0011 drops them from the live table only.
CREATE TABLE lms.LMSUserLMSSectionAssociation (
    LMSUserLMSSectionAssociationIdentifier INT IDENTITY NOT NULL,
    LMSSectionIdentifier INT NOT NULL,
    LMSUserIdentifier INT NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    EnrollmentStatus NVARCHAR(60) NOT NULL,
    StartDate DATETIME2(7) NULL,
    EndDate DATETIME2(7) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL CONSTRAINT LMSUserLMSSectionAssociation_DF_CreateDate DEFAULT (getdate()),
    LastModifiedDate DATETIME2(7) NOT NULL CONSTRAINT LMSUserLMSSectionAssociation_DF_LastModifiedDate DEFAULT (getdate()),
    DeletedAt DATETIME2(7) NULL,
    CONSTRAINT LMSUserLMSSectionAssociation_PK PRIMARY KEY CLUSTERED (LMSUserLMSSectionAssociationIdentifier),
    CONSTRAINT LMSUserLMSSectionAssociation_DF_UK_SourceSystem UNIQUE (SourceSystemIdentifier, SourceSystem),
    CONSTRAINT FK_LMSUserLMSSectionAssociation_LMSSection FOREIGN KEY (LMSSectionIdentifier)
        REFERENCES lms.LMSSection (LMSSectionIdentifier) ON DELETE CASCADE,
    CONSTRAINT FK_LMSUserLMSSectionAssociation_LMSUser FOREIGN KEY (LMSUserIdentifier)
        REFERENCES lms.LMSUser (LMSUserIdentifier) ON DELETE CASCADE
);

CREATE TABLE lms.stg_LMSUserLMSSectionAssociation (
    StagingId INT IDENTITY NOT NULL,
    LMSSectionSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    LMSUserSourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystemIdentifier NVARCHAR(255) NOT NULL,
    SourceSystem NVARCHAR(255) NOT NULL,
    EnrollmentStatus NVARCHAR(60) NOT NULL,
    StartDate DATETIME2(7) NULL,
    EndDate DATETIME2(7) NULL,
    SourceCreateDate DATETIME2(7) NULL,
    SourceLastModifiedDate DATETIME2(7) NULL,
    CreateDate DATETIME2(7) NOT NULL,
    LastModifiedDate DATETIME2(7) NOT NULL,
    CONSTRAINT stg_LMSUserLMSSectionAssociation_PK PRIMARY KEY CLUSTERED (StagingId)
);

CREATE INDEX IX_stg_LMSUserLMSSectionAssociation_Natural_Key
    ON lms.stg_LMSUserLMSSectionAssociation (SourceSystemIdentifier, SourceSystem, LastModifiedDate);
