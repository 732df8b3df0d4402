-- Unlinked LMS users that match several Ed-Fi students (a shared e-mail address, or StudentUniqueIds that differ
-- only by surrounding spaces): one row per candidate. Harmonization links none of them.
DROP VIEW IF EXISTS lmsx.ambiguous_lmsuser_matches;
CREATE VIEW lmsx.ambiguous_lmsuser_matches AS
SELECT u.lmsuseridentifier, u.sourcesystemidentifier, u.sourcesystem, u.sisuseridentifier, u.emailaddress,
       c.matchedon, c.candidates, c.studentusi, c.studentuniqueid
FROM (
    SELECT candidate.*, count(*) OVER (PARTITION BY candidate.lmsuseridentifier) AS candidates
    FROM lms.lmsuser_student_candidate candidate
) c
JOIN lms.lmsuser u ON u.lmsuseridentifier = c.lmsuseridentifier
WHERE c.candidates > 1;
