-- Unlinked LMS users that match several Ed-Fi students (a shared e-mail address, or StudentUniqueIds that differ
-- only by surrounding spaces): one row per candidate. Harmonization links none of them.
CREATE OR ALTER VIEW lmsx.ambiguous_lmsuser_matches AS
SELECT u.LMSUserIdentifier, u.SourceSystemIdentifier, u.SourceSystem, u.SISUserIdentifier, u.EmailAddress,
       c.MatchedOn, c.Candidates, c.StudentUSI, c.StudentUniqueId
FROM (
    SELECT candidate.LMSUserIdentifier, candidate.MatchedOn, candidate.StudentUSI, candidate.StudentUniqueId,
           COUNT(*) OVER (PARTITION BY candidate.LMSUserIdentifier) AS Candidates
    FROM lms.lmsuser_student_candidate candidate
) c
JOIN lms.LMSUser u ON u.LMSUserIdentifier = c.LMSUserIdentifier
WHERE c.Candidates > 1;
