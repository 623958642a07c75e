SELECT
  "t0"."kid",
  MIN("t0"."s") AS "L"
FROM "lw_prepared" AS "t0"
GROUP BY
  1
