-- TEST AND DEMO FIXTURE. NEVER APPLY TO A REAL ED-FI ODS.
-- The Ed-Fi LMSX extension tables that harmonization writes, with the keys and foreign keys of the extension's
-- own scripts, so that what the harmonizer writes here would also be accepted by a real ODS (submissions need
-- their assignment, a student and a registered status descriptor). Change tracking (ChangeVersion and the
-- tracked_deletes triggers) is left out.
CREATE SCHEMA IF NOT EXISTS lmsx;
COMMENT ON SCHEMA lmsx IS 'lms-pipeline ODS fixture: a minimal stand-in for demos and tests, not a real Ed-Fi ODS';

CREATE TABLE IF NOT EXISTS lmsx.assignmentcategorydescriptor (
    assignmentcategorydescriptorid INT NOT NULL,
    CONSTRAINT assignmentcategorydescriptor_pk PRIMARY KEY (assignmentcategorydescriptorid),
    CONSTRAINT fk_assignmentcategorydescriptor_descriptor FOREIGN KEY (assignmentcategorydescriptorid)
        REFERENCES edfi.descriptor (descriptorid) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS lmsx.lmssourcesystemdescriptor (
    lmssourcesystemdescriptorid INT NOT NULL,
    CONSTRAINT lmssourcesystemdescriptor_pk PRIMARY KEY (lmssourcesystemdescriptorid),
    CONSTRAINT fk_lmssourcesystemdescriptor_descriptor FOREIGN KEY (lmssourcesystemdescriptorid)
        REFERENCES edfi.descriptor (descriptorid) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS lmsx.submissionstatusdescriptor (
    submissionstatusdescriptorid INT NOT NULL,
    CONSTRAINT submissionstatusdescriptor_pk PRIMARY KEY (submissionstatusdescriptorid),
    CONSTRAINT fk_submissionstatusdescriptor_descriptor FOREIGN KEY (submissionstatusdescriptorid)
        REFERENCES edfi.descriptor (descriptorid) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS lmsx.submissiontypedescriptor (
    submissiontypedescriptorid INT NOT NULL,
    CONSTRAINT submissiontypedescriptor_pk PRIMARY KEY (submissiontypedescriptorid),
    CONSTRAINT fk_submissiontypedescriptor_descriptor FOREIGN KEY (submissiontypedescriptorid)
        REFERENCES edfi.descriptor (descriptorid) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS lmsx.assignment (
    assignmentidentifier VARCHAR(255) NOT NULL,
    namespace VARCHAR(255) NOT NULL,
    lmssourcesystemdescriptorid INT NOT NULL,
    title VARCHAR(255) NOT NULL,
    assignmentcategorydescriptorid INT NOT NULL,
    assignmentdescription VARCHAR(1024) NULL,
    startdatetime TIMESTAMP NULL,
    enddatetime TIMESTAMP NULL,
    duedatetime TIMESTAMP NULL,
    maxpoints INT NULL,
    sectionidentifier VARCHAR(255) NOT NULL,
    localcoursecode VARCHAR(60) NULL,
    sessionname VARCHAR(60) NULL,
    schoolyear SMALLINT NULL,
    schoolid INT NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT assignment_pk PRIMARY KEY (assignmentidentifier, namespace),
    CONSTRAINT fk_assignment_assignmentcategorydescriptor FOREIGN KEY (assignmentcategorydescriptorid)
        REFERENCES lmsx.assignmentcategorydescriptor (assignmentcategorydescriptorid),
    CONSTRAINT fk_assignment_lmssourcesystemdescriptor FOREIGN KEY (lmssourcesystemdescriptorid)
        REFERENCES lmsx.lmssourcesystemdescriptor (lmssourcesystemdescriptorid),
    CONSTRAINT fk_assignment_section FOREIGN KEY (localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname)
        REFERENCES edfi.section (localcoursecode, schoolid, schoolyear, sectionidentifier, sessionname)
        ON UPDATE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_assignment_id ON lmsx.assignment (id);

CREATE TABLE IF NOT EXISTS lmsx.assignmentsubmissiontype (
    assignmentidentifier VARCHAR(255) NOT NULL,
    namespace VARCHAR(255) NOT NULL,
    submissiontypedescriptorid INT NOT NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT assignmentsubmissiontype_pk PRIMARY KEY (assignmentidentifier, namespace, submissiontypedescriptorid),
    CONSTRAINT fk_assignmentsubmissiontype_assignment FOREIGN KEY (assignmentidentifier, namespace)
        REFERENCES lmsx.assignment (assignmentidentifier, namespace) ON DELETE CASCADE,
    CONSTRAINT fk_assignmentsubmissiontype_submissiontypedescriptor FOREIGN KEY (submissiontypedescriptorid)
        REFERENCES lmsx.submissiontypedescriptor (submissiontypedescriptorid)
);

CREATE TABLE IF NOT EXISTS lmsx.assignmentsubmission (
    assignmentsubmissionidentifier VARCHAR(255) NOT NULL,
    namespace VARCHAR(255) NOT NULL,
    studentusi INT NOT NULL,
    assignmentidentifier VARCHAR(255) NOT NULL,
    submissionstatusdescriptorid INT NOT NULL,
    submissiondatetime TIMESTAMP NULL,
    earnedpoints INT NULL,
    grade VARCHAR(20) NULL,
    discriminator VARCHAR(128) NULL,
    createdate TIMESTAMP NOT NULL DEFAULT now(),
    lastmodifieddate TIMESTAMP NOT NULL DEFAULT now(),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT assignmentsubmission_pk PRIMARY KEY (assignmentsubmissionidentifier, namespace, studentusi),
    CONSTRAINT fk_assignmentsubmission_assignment FOREIGN KEY (assignmentidentifier, namespace)
        REFERENCES lmsx.assignment (assignmentidentifier, namespace),
    CONSTRAINT fk_assignmentsubmission_student FOREIGN KEY (studentusi)
        REFERENCES edfi.student (studentusi),
    CONSTRAINT fk_assignmentsubmission_submissionstatusdescriptor FOREIGN KEY (submissionstatusdescriptorid)
        REFERENCES lmsx.submissionstatusdescriptor (submissionstatusdescriptorid)
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_assignmentsubmission_id ON lmsx.assignmentsubmission (id);
