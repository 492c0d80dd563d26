-- Monthly statements of previous credit cards: five statistics of every numeric column per
-- applicant and the share of statements in each learned contract status.
CREATE OR REPLACE TEMP TABLE _feat_credit_card AS
SELECT h.SK_ID_CURR,
       {aggregates}
FROM credit_card_balance AS h
{joins}
GROUP BY h.SK_ID_CURR;
