-- One row per applicant: the training applicants with their known outcome (TARGET), the test
-- applicants without one. Every feature row is joined to this table.
DROP TABLE IF EXISTS applicants;
CREATE TABLE applicants AS
SELECT CAST(SK_ID_CURR AS BIGINT) AS SK_ID_CURR,
       'train' AS dataset,
       CAST(TARGET AS INTEGER) AS TARGET
FROM application_train
UNION ALL
SELECT CAST(SK_ID_CURR AS BIGINT), 'test', CAST(NULL AS INTEGER)
FROM application_test
ORDER BY SK_ID_CURR;
