-- Monthly statements of previous cash and point-of-sale loans: statistics per applicant and the
-- share of statements in each learned contract status.
CREATE OR REPLACE TEMP TABLE _feat_pos AS
SELECT h.SK_ID_CURR,
       {aggregates}
FROM pos_cash_balance AS h
{joins}
GROUP BY h.SK_ID_CURR;
