-- On SQL Server the reference creates the processed-files journal second (PostgreSQL: third).
CREATE TABLE lms.ProcessedFiles (
    FullPath NVARCHAR(255) NOT NULL,
    ResourceName NVARCHAR(128) NOT NULL,
    NumberOfRows INT NOT NULL,
    UploadDateTime DATETIME2(7) NOT NULL DEFAULT (getdate()),
    CONSTRAINT ProcessedFiles_PK PRIMARY KEY CLUSTERED (FullPath)
);
