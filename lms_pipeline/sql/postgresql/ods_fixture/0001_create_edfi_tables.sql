-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS.
-- The few Ed-Fi ODS core tables (Data Standard 3.3, ODS/API 5.2) that harmonization reads, with their keys,
-- unique indexes and defaults, and only the columns it uses or that are NOT NULL. A real ODS has hundreds of
-- tables and foreign keys between them; this one exists so that the demo and the tests have an ODS.
-- Every statement is idempotent: applying the fixture twice changes nothing.
CREATE SCHEMA IF NOT EXISTS edfi;
COMMENT ON SCHEMA edfi IS 'lms-pipeline ODS fixture: a minimal stand-in for demos and tests, not a real Ed-Fi ODS';

CREATE TABLE IF NOT EXISTS edfi.descriptor (
    descriptorid SERIAL NOT NULL,
    namespace VARCHAR(255) NOT NULL,
    codevalue VARCHAR(50) NOT NULL,
    shortdescription VARCHAR(75) NOT NULL,
    description VARCHAR(1024) NULL,
    priordescriptorid INT NULL,
    effectivebegindate DATE NULL,
    effectiveenddate DATE NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT descriptor_pk PRIMARY KEY (descriptorid),
    CONSTRAINT descriptor_ak UNIQUE (codevalue, namespace)
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_descriptor_id ON edfi.descriptor (id);

CREATE TABLE IF NOT EXISTS edfi.student (
    studentusi SERIAL NOT NULL,
    studentuniqueid VARCHAR(32) NOT NULL,
    firstname VARCHAR(75) NOT NULL,
    middlename VARCHAR(75) NULL,
    lastsurname VARCHAR(75) NOT NULL,
    birthdate DATE NOT NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT student_pk PRIMARY KEY (studentusi)
);
CREATE UNIQUE INDEX IF NOT EXISTS student_ui_studentuniqueid ON edfi.student (studentuniqueid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_student_id ON edfi.student (id);

CREATE TABLE IF NOT EXISTS edfi.section (
    localcoursecode VARCHAR(60) NOT NULL,
    schoolid INT NOT NULL,
    schoolyear SMALLINT NOT NULL,
    sectionidentifier VARCHAR(255) NOT NULL,
    sessionname VARCHAR(60) NOT NULL,
    sequenceofcourse INT NULL,
    availablecredits DECIMAL(9, 3) NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT section_pk PRIMARY KEY (localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname)
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_section_id ON edfi.section (id);

CREATE TABLE IF NOT EXISTS edfi.studentsectionassociation (
    begindate DATE NOT NULL,
    localcoursecode VARCHAR(60) NOT NULL,
    schoolid INT NOT NULL,
    schoolyear SMALLINT NOT NULL,
    sectionidentifier VARCHAR(255) NOT NULL,
    sessionname VARCHAR(60) NOT NULL,
    studentusi INT NOT NULL,
    enddate DATE NULL,
    homeroomindicator BOOLEAN NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT studentsectionassociation_pk PRIMARY KEY (
        begindate, localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname, studentusi
    )
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_studentsectionassociation_id ON edfi.studentsectionassociation (id);

-- In a real ODS this row hangs off StudentEducationOrganizationAssociation; harmonization reads it by StudentUSI
-- alone, so the parent table is left out (and with it the foreign key).
CREATE TABLE IF NOT EXISTS edfi.studenteducationorganizationassociationelectronicmail (
    educationorganizationid INT NOT NULL,
    electronicmailaddress VARCHAR(128) NOT NULL,
    electronicmailtypedescriptorid INT NOT NULL,
    studentusi INT NOT NULL,
    primaryemailaddressindicator BOOLEAN NULL,
    donotpublishindicator BOOLEAN NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT studenteducationorganizationassociationelectronicmail_pk PRIMARY KEY (
        educationorganizationid, electronicmailaddress, electronicmailtypedescriptorid, studentusi
    )
);
