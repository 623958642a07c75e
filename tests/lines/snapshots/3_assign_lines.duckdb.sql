SELECT
  "t6"."pid",
  "t6"."phase",
  "t6"."drug_id",
  "t6"."s",
  "t6"."en",
  "t6"."n_records",
  "t6"."island",
  "t6"."kid",
  "t6"."sub_fam",
  "t6"."maint",
  "t6"."addon_0",
  "t6"."req_0",
  "t6"."addon_1",
  "t6"."req_1",
  "t6"."L",
  "t6"."k",
  "t6"."s" <= (
    "t6"."L" + 28
  ) AS "in_window"
FROM (
  SELECT
    "t5".*
    EXCLUDE ("L_next", "kid_right")
  FROM (
    SELECT
      "t2"."pid",
      "t2"."phase",
      "t2"."drug_id",
      "t2"."s",
      "t2"."en",
      "t2"."n_records",
      "t2"."island",
      "t2"."kid",
      "t2"."sub_fam",
      "t2"."maint",
      "t2"."addon_0",
      "t2"."req_0",
      "t2"."addon_1",
      "t2"."req_1",
      "t4"."kid" AS "kid_right",
      "t4"."L",
      "t4"."k",
      "t4"."L_next"
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
) AS "t6"
