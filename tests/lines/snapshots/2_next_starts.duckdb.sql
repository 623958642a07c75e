WITH "t10" AS (
  SELECT
    "t9"."kid",
    "t9"."pid",
    "t9"."island",
    "t9"."phase",
    "t9"."drug_id",
    "t9"."s",
    "t9"."en",
    "t9"."n_records",
    "t9"."L",
    "t6"."sub_fam",
    "t6"."maint",
    "t6"."addon_0",
    "t6"."req_0",
    "t6"."addon_1",
    "t6"."req_1"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t3"."kid",
        "t3"."pid",
        "t3"."island",
        "t3"."phase",
        "t3"."drug_id",
        "t3"."s",
        "t3"."en",
        "t3"."n_records",
        "t4"."L"
      FROM "lw_prepared" AS "t3"
      INNER JOIN "lw_current" AS "t4"
        ON "t3"."kid" = "t4"."kid"
    ) AS "t7"
    WHERE
      "t7"."s" >= "t7"."L"
  ) AS "t9"
  INNER JOIN (
    SELECT
      "t0"."drug_id",
      "t0"."sub_fam",
      "t0"."maint",
      "t0"."addon_0",
      "t0"."req_0",
      "t0"."addon_1",
      "t0"."req_1"
    FROM "lw_drugs" AS "t0"
  ) AS "t6"
    ON "t9"."drug_id" = "t6"."drug_id"
), "t14" AS (
  SELECT DISTINCT
    "t11"."kid",
    "t11"."drug_id"
  FROM "t10" AS "t11"
  WHERE
    "t11"."s" <= (
      "t11"."L" + 28
    )
), "t21" AS (
  SELECT
    "t15"."kid",
    "t15"."pid",
    "t15"."island",
    "t15"."phase",
    "t15"."drug_id",
    "t15"."s",
    "t15"."en",
    "t15"."n_records",
    "t15"."L",
    "t15"."sub_fam",
    "t15"."maint",
    "t15"."addon_0",
    "t15"."req_0",
    "t15"."addon_1",
    "t15"."req_1"
  FROM (
    SELECT
      *
    FROM "t10" AS "t11"
    WHERE
      "t11"."s" > (
        "t11"."L" + 28
      )
  ) AS "t15"
  ANTI JOIN "t14" AS "t18"
    ON "t15"."kid" = "t18"."kid" AND "t15"."drug_id" = "t18"."drug_id"
  ANTI JOIN (
    SELECT DISTINCT
      "t11"."kid",
      "t11"."sub_fam"
    FROM "t10" AS "t11"
    WHERE
      "t11"."s" <= (
        "t11"."L" + 28
      ) AND "t11"."sub_fam" IS NOT NULL
  ) AS "t16"
    ON "t15"."kid" = "t16"."kid" AND "t15"."sub_fam" = "t16"."sub_fam"
), "t26" AS (
  SELECT
    "t24"."kid",
    MIN("t24"."s") AS "first_plain"
  FROM (
    SELECT
      "t22"."kid",
      "t22"."pid",
      "t22"."island",
      "t22"."phase",
      "t22"."drug_id",
      "t22"."s",
      "t22"."en",
      "t22"."n_records",
      "t22"."L",
      "t22"."sub_fam",
      "t22"."maint",
      "t22"."addon_0",
      "t22"."req_0",
      "t22"."addon_1",
      "t22"."req_1",
      "t22"."addon_0" OR "t22"."addon_1" AS "is_addon"
    FROM "t21" AS "t22"
    WHERE
      NOT (
        "t22"."addon_0" OR "t22"."addon_1"
      )
  ) AS "t24"
  GROUP BY
    1
), "t30" AS (
  SELECT
    "t25"."kid",
    "t25"."pid",
    "t25"."island",
    "t25"."phase",
    "t25"."drug_id",
    "t25"."s",
    "t25"."en",
    "t25"."n_records",
    "t25"."L",
    "t25"."sub_fam",
    "t25"."maint",
    "t25"."addon_0",
    "t25"."req_0",
    "t25"."addon_1",
    "t25"."req_1",
    "t25"."is_addon",
    "t29"."kid" AS "kid_right",
    "t29"."first_plain"
  FROM (
    SELECT
      "t22"."kid",
      "t22"."pid",
      "t22"."island",
      "t22"."phase",
      "t22"."drug_id",
      "t22"."s",
      "t22"."en",
      "t22"."n_records",
      "t22"."L",
      "t22"."sub_fam",
      "t22"."maint",
      "t22"."addon_0",
      "t22"."req_0",
      "t22"."addon_1",
      "t22"."req_1",
      "t22"."addon_0" OR "t22"."addon_1" AS "is_addon"
    FROM "t21" AS "t22"
    WHERE
      "t22"."addon_0" OR "t22"."addon_1"
  ) AS "t25"
  LEFT OUTER JOIN "t26" AS "t29"
    ON "t25"."kid" = "t29"."kid"
)
SELECT
  COALESCE("t28"."kid", "t48"."kid") AS "kid",
  LEAST(
    COALESCE("t28"."first_plain", "t48"."first_addon"),
    COALESCE("t48"."first_addon", "t28"."first_plain")
  ) AS "L"
FROM "t26" AS "t28"
FULL OUTER JOIN (
  SELECT
    "t46"."kid",
    MIN("t46"."s") AS "first_addon"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t34"."kid",
        "t34"."pid",
        "t34"."L",
        "t34"."s",
        "t34"."drug_id",
        "t40"."exempt",
        "t44"."kid" AS "kid_right",
        "t44"."drug_id" AS "drug_id_right",
        "t44"."joined_from"
      FROM (
        SELECT
          "t31"."kid",
          "t31"."pid",
          "t31"."L",
          "t31"."s",
          "t31"."drug_id"
        FROM "t30" AS "t31"
        WHERE
          (
            "t31"."first_plain" IS NULL
          ) OR (
            "t31"."s" < "t31"."first_plain"
          )
      ) AS "t34"
      INNER JOIN (
        SELECT
          "t38"."kid",
          "t38"."s",
          "t38"."drug_id",
          "t38"."exempt"
        FROM (
          SELECT
            "t37"."kid",
            "t37"."pid",
            "t37"."island",
            "t37"."phase",
            "t37"."drug_id",
            "t37"."s",
            "t37"."en",
            "t37"."n_records",
            "t37"."L",
            "t37"."sub_fam",
            "t37"."maint",
            "t37"."addon_0",
            "t37"."req_0",
            "t37"."addon_1",
            "t37"."req_1",
            "t37"."in_reg",
            COALESCE(
              "t37"."addon_0"
              AND BOOL_OR(CAST("t37"."req_0" AND (
                "t37"."s" <= (
                  "t37"."L" + 28
                )
              ) AS BOOLEAN)) OVER (PARTITION BY "t37"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
              AND (
                (
                  MAX(
                    CASE
                      WHEN "t37"."in_reg" AND NOT (
                        "t37"."maint"
                      )
                      THEN "t37"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) IS NOT NULL
                )
                AND (
                  MAX(
                    CASE
                      WHEN "t37"."in_reg" AND NOT (
                        "t37"."maint"
                      )
                      THEN "t37"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) < "t37"."s"
                )
                AND NOT (
                  BOOL_OR(CAST("t37"."in_reg" AND NOT (
                    "t37"."maint"
                  ) AS BOOLEAN)) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                  )
                )
                AND (
                  MAX(
                    CASE WHEN "t37"."in_reg" AND "t37"."maint" THEN "t37"."s" ELSE CAST(NULL AS INT) END
                  ) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) > MAX(
                    CASE
                      WHEN "t37"."in_reg" AND NOT (
                        "t37"."maint"
                      )
                      THEN "t37"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  )
                )
              )
              AND (
                (
                  MAX(CASE WHEN "t37"."req_0" THEN "t37"."s" ELSE CAST(NULL AS INT) END) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) >= (
                    "t37"."s" - 28
                  )
                )
                AND (
                  MIN(CASE WHEN "t37"."req_0" THEN "t37"."s" ELSE CAST(NULL AS INT) END) OVER (
                    PARTITION BY "t37"."kid"
                    ORDER BY "t37"."s" ASC
                    RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                  ) <= (
                    "t37"."s" + 28
                  )
                )
              ),
              FALSE
            )
            OR COALESCE(
              "t37"."addon_1"
              AND BOOL_OR(CAST("t37"."req_1" AND (
                "t37"."s" <= (
                  "t37"."L" + 28
                )
              ) AS BOOLEAN)) OVER (PARTITION BY "t37"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
              FALSE
            ) AS "exempt"
          FROM (
            SELECT
              "t36"."kid",
              "t36"."pid",
              "t36"."island",
              "t36"."phase",
              "t36"."drug_id",
              "t36"."s",
              "t36"."en",
              "t36"."n_records",
              "t36"."L",
              "t36"."sub_fam",
              "t36"."maint",
              "t36"."addon_0",
              "t36"."req_0",
              "t36"."addon_1",
              "t36"."req_1",
              COALESCE("t36"."in_reg", FALSE) AS "in_reg"
            FROM (
              SELECT
                "t9"."kid",
                "t9"."pid",
                "t9"."island",
                "t9"."phase",
                "t9"."drug_id",
                "t9"."s",
                "t9"."en",
                "t9"."n_records",
                "t9"."L",
                "t6"."sub_fam",
                "t6"."maint",
                "t6"."addon_0",
                "t6"."req_0",
                "t6"."addon_1",
                "t6"."req_1",
                "t20"."in_reg"
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    "t3"."kid",
                    "t3"."pid",
                    "t3"."island",
                    "t3"."phase",
                    "t3"."drug_id",
                    "t3"."s",
                    "t3"."en",
                    "t3"."n_records",
                    "t4"."L"
                  FROM "lw_prepared" AS "t3"
                  INNER JOIN "lw_current" AS "t4"
                    ON "t3"."kid" = "t4"."kid"
                ) AS "t7"
                WHERE
                  "t7"."s" >= "t7"."L"
              ) AS "t9"
              INNER JOIN (
                SELECT
                  "t0"."drug_id",
                  "t0"."sub_fam",
                  "t0"."maint",
                  "t0"."addon_0",
                  "t0"."req_0",
                  "t0"."addon_1",
                  "t0"."req_1"
                FROM "lw_drugs" AS "t0"
              ) AS "t6"
                ON "t9"."drug_id" = "t6"."drug_id"
              SEMI JOIN (
                SELECT DISTINCT
                  "t31"."kid"
                FROM "t30" AS "t31"
                WHERE
                  (
                    "t31"."first_plain" IS NULL
                  ) OR (
                    "t31"."s" < "t31"."first_plain"
                  )
              ) AS "t35"
                ON "t9"."kid" = "t35"."kid"
              LEFT OUTER JOIN (
                SELECT
                  "t17"."kid",
                  "t17"."drug_id",
                  TRUE AS "in_reg"
                FROM "t14" AS "t17"
              ) AS "t20"
                ON "t9"."kid" = "t20"."kid" AND "t9"."drug_id" = "t20"."drug_id"
            ) AS "t36"
          ) AS "t37"
        ) AS "t38"
      ) AS "t40"
        ON "t34"."kid" = "t40"."kid"
        AND "t34"."s" = "t40"."s"
        AND "t34"."drug_id" = "t40"."drug_id"
      LEFT OUTER JOIN (
        SELECT
          "t42"."kid",
          "t42"."drug_id",
          MIN("t42"."s") AS "joined_from"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t34"."kid",
              "t34"."pid",
              "t34"."L",
              "t34"."s",
              "t34"."drug_id",
              "t40"."exempt"
            FROM (
              SELECT
                "t31"."kid",
                "t31"."pid",
                "t31"."L",
                "t31"."s",
                "t31"."drug_id"
              FROM "t30" AS "t31"
              WHERE
                (
                  "t31"."first_plain" IS NULL
                ) OR (
                  "t31"."s" < "t31"."first_plain"
                )
            ) AS "t34"
            INNER JOIN (
              SELECT
                "t38"."kid",
                "t38"."s",
                "t38"."drug_id",
                "t38"."exempt"
              FROM (
                SELECT
                  "t37"."kid",
                  "t37"."pid",
                  "t37"."island",
                  "t37"."phase",
                  "t37"."drug_id",
                  "t37"."s",
                  "t37"."en",
                  "t37"."n_records",
                  "t37"."L",
                  "t37"."sub_fam",
                  "t37"."maint",
                  "t37"."addon_0",
                  "t37"."req_0",
                  "t37"."addon_1",
                  "t37"."req_1",
                  "t37"."in_reg",
                  COALESCE(
                    "t37"."addon_0"
                    AND BOOL_OR(CAST("t37"."req_0" AND (
                      "t37"."s" <= (
                        "t37"."L" + 28
                      )
                    ) AS BOOLEAN)) OVER (PARTITION BY "t37"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                    AND (
                      (
                        MAX(
                          CASE
                            WHEN "t37"."in_reg" AND NOT (
                              "t37"."maint"
                            )
                            THEN "t37"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) IS NOT NULL
                      )
                      AND (
                        MAX(
                          CASE
                            WHEN "t37"."in_reg" AND NOT (
                              "t37"."maint"
                            )
                            THEN "t37"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) < "t37"."s"
                      )
                      AND NOT (
                        BOOL_OR(CAST("t37"."in_reg" AND NOT (
                          "t37"."maint"
                        ) AS BOOLEAN)) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                        )
                      )
                      AND (
                        MAX(
                          CASE WHEN "t37"."in_reg" AND "t37"."maint" THEN "t37"."s" ELSE CAST(NULL AS INT) END
                        ) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) > MAX(
                          CASE
                            WHEN "t37"."in_reg" AND NOT (
                              "t37"."maint"
                            )
                            THEN "t37"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        )
                      )
                    )
                    AND (
                      (
                        MAX(CASE WHEN "t37"."req_0" THEN "t37"."s" ELSE CAST(NULL AS INT) END) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) >= (
                          "t37"."s" - 28
                        )
                      )
                      AND (
                        MIN(CASE WHEN "t37"."req_0" THEN "t37"."s" ELSE CAST(NULL AS INT) END) OVER (
                          PARTITION BY "t37"."kid"
                          ORDER BY "t37"."s" ASC
                          RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                        ) <= (
                          "t37"."s" + 28
                        )
                      )
                    ),
                    FALSE
                  )
                  OR COALESCE(
                    "t37"."addon_1"
                    AND BOOL_OR(CAST("t37"."req_1" AND (
                      "t37"."s" <= (
                        "t37"."L" + 28
                      )
                    ) AS BOOLEAN)) OVER (PARTITION BY "t37"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
                    FALSE
                  ) AS "exempt"
                FROM (
                  SELECT
                    "t36"."kid",
                    "t36"."pid",
                    "t36"."island",
                    "t36"."phase",
                    "t36"."drug_id",
                    "t36"."s",
                    "t36"."en",
                    "t36"."n_records",
                    "t36"."L",
                    "t36"."sub_fam",
                    "t36"."maint",
                    "t36"."addon_0",
                    "t36"."req_0",
                    "t36"."addon_1",
                    "t36"."req_1",
                    COALESCE("t36"."in_reg", FALSE) AS "in_reg"
                  FROM (
                    SELECT
                      "t9"."kid",
                      "t9"."pid",
                      "t9"."island",
                      "t9"."phase",
                      "t9"."drug_id",
                      "t9"."s",
                      "t9"."en",
                      "t9"."n_records",
                      "t9"."L",
                      "t6"."sub_fam",
                      "t6"."maint",
                      "t6"."addon_0",
                      "t6"."req_0",
                      "t6"."addon_1",
                      "t6"."req_1",
                      "t20"."in_reg"
                    FROM (
                      SELECT
                        *
                      FROM (
                        SELECT
                          "t3"."kid",
                          "t3"."pid",
                          "t3"."island",
                          "t3"."phase",
                          "t3"."drug_id",
                          "t3"."s",
                          "t3"."en",
                          "t3"."n_records",
                          "t4"."L"
                        FROM "lw_prepared" AS "t3"
                        INNER JOIN "lw_current" AS "t4"
                          ON "t3"."kid" = "t4"."kid"
                      ) AS "t7"
                      WHERE
                        "t7"."s" >= "t7"."L"
                    ) AS "t9"
                    INNER JOIN (
                      SELECT
                        "t0"."drug_id",
                        "t0"."sub_fam",
                        "t0"."maint",
                        "t0"."addon_0",
                        "t0"."req_0",
                        "t0"."addon_1",
                        "t0"."req_1"
                      FROM "lw_drugs" AS "t0"
                    ) AS "t6"
                      ON "t9"."drug_id" = "t6"."drug_id"
                    SEMI JOIN (
                      SELECT DISTINCT
                        "t31"."kid"
                      FROM "t30" AS "t31"
                      WHERE
                        (
                          "t31"."first_plain" IS NULL
                        ) OR (
                          "t31"."s" < "t31"."first_plain"
                        )
                    ) AS "t35"
                      ON "t9"."kid" = "t35"."kid"
                    LEFT OUTER JOIN (
                      SELECT
                        "t17"."kid",
                        "t17"."drug_id",
                        TRUE AS "in_reg"
                      FROM "t14" AS "t17"
                    ) AS "t20"
                      ON "t9"."kid" = "t20"."kid" AND "t9"."drug_id" = "t20"."drug_id"
                  ) AS "t36"
                ) AS "t37"
              ) AS "t38"
            ) AS "t40"
              ON "t34"."kid" = "t40"."kid"
              AND "t34"."s" = "t40"."s"
              AND "t34"."drug_id" = "t40"."drug_id"
          ) AS "t41"
          WHERE
            "t41"."exempt"
        ) AS "t42"
        GROUP BY
          1,
          2
      ) AS "t44"
        ON "t34"."kid" = "t44"."kid" AND "t34"."drug_id" = "t44"."drug_id"
    ) AS "t45"
    WHERE
      NOT (
        "t45"."exempt"
      )
      AND (
        (
          "t45"."joined_from" IS NULL
        ) OR (
          "t45"."s" < "t45"."joined_from"
        )
      )
  ) AS "t46"
  GROUP BY
    1
) AS "t48"
  ON "t28"."kid" = "t48"."kid"
