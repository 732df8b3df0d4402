CREATE TABLE lms.processedfiles (
    fullpath VARCHAR(255) NOT NULL,
    resourcename VARCHAR(128) NOT NULL,
    numberofrows INT NOT NULL,
    uploaddatetime TIMESTAMP NOT NULL DEFAULT now(),
    CONSTRAINT processedfiles_pk PRIMARY KEY (fullpath)
);
