SELECT
  "t5"."kid",
  "t5"."pid",
  "t5"."island",
  "t5"."phase",
  "t5"."drug_id",
  "t5"."s",
  "t5"."en",
  "t5"."n_records",
  "t5"."L",
  "t5"."k",
  "t5"."s" <= (
    "t5"."L" + 28
  ) AS "in_window"
FROM (
  SELECT
    "t2"."kid",
    "t2"."pid",
    "t2"."island",
    "t2"."phase",
    "t2"."drug_id",
    "t2"."s",
    "t2"."en",
    "t2"."n_records",
    "t4"."L",
    "t4"."k"
  FROM "lw_prepared" AS "t2"
  INNER JOIN (
    SELECT
      "t1"."kid",
      "t1"."L",
      "t1"."k",
      LEAD("t1"."L") OVER (
        PARTITION BY "t1"."kid"
        ORDER BY "t1"."k" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "L_next"
    FROM "lw_starts" AS "t1"
  ) AS "t4"
    ON "t2"."kid" = "t4"."kid"
    AND "t2"."s" >= "t4"."L"
    AND "t2"."s" < COALESCE("t4"."L_next", 2147483647)
) AS "t5"
