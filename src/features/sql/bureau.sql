-- Credit bureau. First each bureau credit gets its monthly balance history summarised: first
-- and last month, number of months and, per learned status, the share of its months in that
-- status. Then per applicant: statistics over all, active and closed credits, and the share of
-- credits in each learned category.
CREATE OR REPLACE TEMP TABLE _bureau_credit AS
WITH balance AS (
    SELECT h.SK_ID_BUREAU,
           CAST(MIN(h.MONTHS_BALANCE) AS DOUBLE) AS MONTHS_BALANCE_MIN,
           CAST(MAX(h.MONTHS_BALANCE) AS DOUBLE) AS MONTHS_BALANCE_MAX,
           CAST(COUNT(*) AS DOUBLE) AS MONTHS_BALANCE_SIZE{status_shares}
    FROM bureau_balance AS h
    {status_joins}
    GROUP BY h.SK_ID_BUREAU
)
SELECT bureau.*, balance.* EXCLUDE (SK_ID_BUREAU)
FROM bureau
LEFT JOIN balance ON balance.SK_ID_BUREAU = bureau.SK_ID_BUREAU;

CREATE OR REPLACE TEMP TABLE _feat_bureau AS
SELECT h.SK_ID_CURR,
       {aggregates}
FROM _bureau_credit AS h
{joins}
GROUP BY h.SK_ID_CURR;
