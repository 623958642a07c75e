WITH "t4" AS (
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
    "t3"."L"
  FROM "lw_prepared" AS "t2"
  INNER JOIN "lw_current" AS "t3"
    ON "t2"."kid" = "t3"."kid"
), "t10" AS (
  SELECT DISTINCT
    "t5"."kid",
    "t5"."drug_id"
  FROM "t4" AS "t5"
  WHERE
    "t5"."s" >= "t5"."L" AND "t5"."s" <= (
      "t5"."L" + 28
    )
), "t17" AS (
  SELECT
    "t11"."pid",
    "t11"."phase",
    "t11"."drug_id",
    "t11"."s",
    "t11"."en",
    "t11"."n_records",
    "t11"."island",
    "t11"."kid",
    "t11"."sub_fam",
    "t11"."maint",
    "t11"."addon_0",
    "t11"."req_0",
    "t11"."addon_1",
    "t11"."req_1",
    "t11"."L"
  FROM (
    SELECT
      *
    FROM "t4" AS "t5"
    WHERE
      "t5"."s" >= "t5"."L" AND "t5"."s" > (
        "t5"."L" + 28
      )
  ) AS "t11"
  WHERE
    NOT EXISTS(
      SELECT
        1
      FROM "t10" AS "t14"
      WHERE
        "t11"."kid" = "t14"."kid" AND "t11"."drug_id" = "t14"."drug_id"
    )
    AND NOT EXISTS(
      SELECT
        1
      FROM (
        SELECT DISTINCT
          "t5"."kid",
          "t5"."sub_fam"
        FROM "t4" AS "t5"
        WHERE
          "t5"."s" >= "t5"."L"
          AND "t5"."s" <= (
            "t5"."L" + 28
          )
          AND "t5"."sub_fam" IS NOT NULL
      ) AS "t12"
      WHERE
        "t11"."kid" = "t12"."kid" AND "t11"."sub_fam" = "t12"."sub_fam"
    )
), "t22" AS (
  SELECT
    "t20"."kid",
    MIN("t20"."s") AS "first_plain"
  FROM (
    SELECT
      "t18"."pid",
      "t18"."phase",
      "t18"."drug_id",
      "t18"."s",
      "t18"."en",
      "t18"."n_records",
      "t18"."island",
      "t18"."kid",
      "t18"."sub_fam",
      "t18"."maint",
      "t18"."addon_0",
      "t18"."req_0",
      "t18"."addon_1",
      "t18"."req_1",
      "t18"."L",
      "t18"."addon_0" OR "t18"."addon_1" AS "is_addon"
    FROM "t17" AS "t18"
    WHERE
      NOT (
        "t18"."addon_0" OR "t18"."addon_1"
      )
  ) AS "t20"
  GROUP BY
    1
), "t26" AS (
  SELECT
    "t21"."pid",
    "t21"."phase",
    "t21"."drug_id",
    "t21"."s",
    "t21"."en",
    "t21"."n_records",
    "t21"."island",
    "t21"."kid",
    "t21"."sub_fam",
    "t21"."maint",
    "t21"."addon_0",
    "t21"."req_0",
    "t21"."addon_1",
    "t21"."req_1",
    "t21"."L",
    "t21"."is_addon",
    "t25"."kid" AS "kid_right",
    "t25"."first_plain"
  FROM (
    SELECT
      "t18"."pid",
      "t18"."phase",
      "t18"."drug_id",
      "t18"."s",
      "t18"."en",
      "t18"."n_records",
      "t18"."island",
      "t18"."kid",
      "t18"."sub_fam",
      "t18"."maint",
      "t18"."addon_0",
      "t18"."req_0",
      "t18"."addon_1",
      "t18"."req_1",
      "t18"."L",
      "t18"."addon_0" OR "t18"."addon_1" AS "is_addon"
    FROM "t17" AS "t18"
    WHERE
      "t18"."addon_0" OR "t18"."addon_1"
  ) AS "t21"
  LEFT OUTER JOIN "t22" AS "t25"
    ON "t21"."kid" = "t25"."kid"
)
SELECT
  COALESCE("t24"."kid", "t44"."kid") AS "kid",
  LEAST(
    COALESCE("t24"."first_plain", "t44"."first_addon"),
    COALESCE("t44"."first_addon", "t24"."first_plain")
  ) AS "L"
FROM "t22" AS "t24"
FULL OUTER JOIN (
  SELECT
    "t42"."kid",
    MIN("t42"."s") AS "first_addon"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t30"."kid",
        "t30"."pid",
        "t30"."L",
        "t30"."s",
        "t30"."drug_id",
        "t36"."exempt",
        "t40"."kid" AS "kid_right",
        "t40"."drug_id" AS "drug_id_right",
        "t40"."joined_from"
      FROM (
        SELECT
          "t27"."kid",
          "t27"."pid",
          "t27"."L",
          "t27"."s",
          "t27"."drug_id"
        FROM "t26" AS "t27"
        WHERE
          (
            "t27"."first_plain" IS NULL
          ) OR (
            "t27"."s" < "t27"."first_plain"
          )
      ) AS "t30"
      INNER JOIN (
        SELECT
          "t34"."kid",
          "t34"."s",
          "t34"."drug_id",
          "t34"."exempt"
        FROM (
          SELECT
            "t33"."pid",
            "t33"."phase",
            "t33"."drug_id",
            "t33"."s",
            "t33"."en",
            "t33"."n_records",
            "t33"."island",
            "t33"."kid",
            "t33"."sub_fam",
            "t33"."maint",
            "t33"."addon_0",
            "t33"."req_0",
            "t33"."addon_1",
            "t33"."req_1",
            "t33"."L",
            "t33"."in_reg",
            COALESCE(
              "t33"."addon_0"
              AND BOOL_OR("t33"."req_0" AND (
                "t33"."s" <= (
                  "t33"."L" + 28
                )
              )) OVER (PARTITION BY "t33"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
              AND (
                (
                  MAX(
                    CASE
                      WHEN "t33"."in_reg" AND NOT (
                        "t33"."maint"
                      )
                      THEN "t33"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) IS NOT NULL
                )
                AND (
                  MAX(
                    CASE
                      WHEN "t33"."in_reg" AND NOT (
                        "t33"."maint"
                      )
                      THEN "t33"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) < "t33"."s"
                )
                AND NOT (
                  BOOL_OR("t33"."in_reg" AND NOT (
                    "t33"."maint"
                  )) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                  )
                )
                AND (
                  MAX(
                    CASE WHEN "t33"."in_reg" AND "t33"."maint" THEN "t33"."s" ELSE CAST(NULL AS INT) END
                  ) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) > MAX(
                    CASE
                      WHEN "t33"."in_reg" AND NOT (
                        "t33"."maint"
                      )
                      THEN "t33"."en"
                      ELSE CAST(NULL AS INT)
                    END
                  ) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  )
                )
              )
              AND (
                (
                  MAX(CASE WHEN "t33"."req_0" THEN "t33"."s" ELSE CAST(NULL AS INT) END) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                  ) >= (
                    "t33"."s" - 28
                  )
                )
                AND (
                  MIN(CASE WHEN "t33"."req_0" THEN "t33"."s" ELSE CAST(NULL AS INT) END) OVER (
                    PARTITION BY "t33"."kid"
                    ORDER BY "t33"."s" ASC
                    RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                  ) <= (
                    "t33"."s" + 28
                  )
                )
              ),
              FALSE
            )
            OR COALESCE(
              "t33"."addon_1"
              AND BOOL_OR("t33"."req_1" AND (
                "t33"."s" <= (
                  "t33"."L" + 28
                )
              )) OVER (PARTITION BY "t33"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
              FALSE
            ) AS "exempt"
          FROM (
            SELECT
              "t32"."pid",
              "t32"."phase",
              "t32"."drug_id",
              "t32"."s",
              "t32"."en",
              "t32"."n_records",
              "t32"."island",
              "t32"."kid",
              "t32"."sub_fam",
              "t32"."maint",
              "t32"."addon_0",
              "t32"."req_0",
              "t32"."addon_1",
              "t32"."req_1",
              "t32"."L",
              COALESCE("t32"."in_reg", FALSE) AS "in_reg"
            FROM (
              SELECT
                "t7"."pid",
                "t7"."phase",
                "t7"."drug_id",
                "t7"."s",
                "t7"."en",
                "t7"."n_records",
                "t7"."island",
                "t7"."kid",
                "t7"."sub_fam",
                "t7"."maint",
                "t7"."addon_0",
                "t7"."req_0",
                "t7"."addon_1",
                "t7"."req_1",
                "t7"."L",
                "t16"."in_reg"
              FROM (
                SELECT
                  *
                FROM "t4" AS "t5"
                WHERE
                  "t5"."s" >= "t5"."L"
              ) AS "t7"
              LEFT OUTER JOIN (
                SELECT
                  "t13"."kid",
                  "t13"."drug_id",
                  TRUE AS "in_reg"
                FROM "t10" AS "t13"
              ) AS "t16"
                ON "t7"."kid" = "t16"."kid" AND "t7"."drug_id" = "t16"."drug_id"
              WHERE
                EXISTS(
                  SELECT
                    1
                  FROM (
                    SELECT DISTINCT
                      "t27"."kid"
                    FROM "t26" AS "t27"
                    WHERE
                      (
                        "t27"."first_plain" IS NULL
                      ) OR (
                        "t27"."s" < "t27"."first_plain"
                      )
                  ) AS "t31"
                  WHERE
                    "t7"."kid" = "t31"."kid"
                )
            ) AS "t32"
          ) AS "t33"
        ) AS "t34"
      ) AS "t36"
        ON "t30"."kid" = "t36"."kid"
        AND "t30"."s" = "t36"."s"
        AND "t30"."drug_id" = "t36"."drug_id"
      LEFT OUTER JOIN (
        SELECT
          "t38"."kid",
          "t38"."drug_id",
          MIN("t38"."s") AS "joined_from"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t30"."kid",
              "t30"."pid",
              "t30"."L",
              "t30"."s",
              "t30"."drug_id",
              "t36"."exempt"
            FROM (
              SELECT
                "t27"."kid",
                "t27"."pid",
                "t27"."L",
                "t27"."s",
                "t27"."drug_id"
              FROM "t26" AS "t27"
              WHERE
                (
                  "t27"."first_plain" IS NULL
                ) OR (
                  "t27"."s" < "t27"."first_plain"
                )
            ) AS "t30"
            INNER JOIN (
              SELECT
                "t34"."kid",
                "t34"."s",
                "t34"."drug_id",
                "t34"."exempt"
              FROM (
                SELECT
                  "t33"."pid",
                  "t33"."phase",
                  "t33"."drug_id",
                  "t33"."s",
                  "t33"."en",
                  "t33"."n_records",
                  "t33"."island",
                  "t33"."kid",
                  "t33"."sub_fam",
                  "t33"."maint",
                  "t33"."addon_0",
                  "t33"."req_0",
                  "t33"."addon_1",
                  "t33"."req_1",
                  "t33"."L",
                  "t33"."in_reg",
                  COALESCE(
                    "t33"."addon_0"
                    AND BOOL_OR("t33"."req_0" AND (
                      "t33"."s" <= (
                        "t33"."L" + 28
                      )
                    )) OVER (PARTITION BY "t33"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                    AND (
                      (
                        MAX(
                          CASE
                            WHEN "t33"."in_reg" AND NOT (
                              "t33"."maint"
                            )
                            THEN "t33"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) IS NOT NULL
                      )
                      AND (
                        MAX(
                          CASE
                            WHEN "t33"."in_reg" AND NOT (
                              "t33"."maint"
                            )
                            THEN "t33"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) < "t33"."s"
                      )
                      AND NOT (
                        BOOL_OR("t33"."in_reg" AND NOT (
                          "t33"."maint"
                        )) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                        )
                      )
                      AND (
                        MAX(
                          CASE WHEN "t33"."in_reg" AND "t33"."maint" THEN "t33"."s" ELSE CAST(NULL AS INT) END
                        ) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) > MAX(
                          CASE
                            WHEN "t33"."in_reg" AND NOT (
                              "t33"."maint"
                            )
                            THEN "t33"."en"
                            ELSE CAST(NULL AS INT)
                          END
                        ) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        )
                      )
                    )
                    AND (
                      (
                        MAX(CASE WHEN "t33"."req_0" THEN "t33"."s" ELSE CAST(NULL AS INT) END) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                        ) >= (
                          "t33"."s" - 28
                        )
                      )
                      AND (
                        MIN(CASE WHEN "t33"."req_0" THEN "t33"."s" ELSE CAST(NULL AS INT) END) OVER (
                          PARTITION BY "t33"."kid"
                          ORDER BY "t33"."s" ASC
                          RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                        ) <= (
                          "t33"."s" + 28
                        )
                      )
                    ),
                    FALSE
                  )
                  OR COALESCE(
                    "t33"."addon_1"
                    AND BOOL_OR("t33"."req_1" AND (
                      "t33"."s" <= (
                        "t33"."L" + 28
                      )
                    )) OVER (PARTITION BY "t33"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
                    FALSE
                  ) AS "exempt"
                FROM (
                  SELECT
                    "t32"."pid",
                    "t32"."phase",
                    "t32"."drug_id",
                    "t32"."s",
                    "t32"."en",
                    "t32"."n_records",
                    "t32"."island",
                    "t32"."kid",
                    "t32"."sub_fam",
                    "t32"."maint",
                    "t32"."addon_0",
                    "t32"."req_0",
                    "t32"."addon_1",
                    "t32"."req_1",
                    "t32"."L",
                    COALESCE("t32"."in_reg", FALSE) AS "in_reg"
                  FROM (
                    SELECT
                      "t7"."pid",
                      "t7"."phase",
                      "t7"."drug_id",
                      "t7"."s",
                      "t7"."en",
                      "t7"."n_records",
                      "t7"."island",
                      "t7"."kid",
                      "t7"."sub_fam",
                      "t7"."maint",
                      "t7"."addon_0",
                      "t7"."req_0",
                      "t7"."addon_1",
                      "t7"."req_1",
                      "t7"."L",
                      "t16"."in_reg"
                    FROM (
                      SELECT
                        *
                      FROM "t4" AS "t5"
                      WHERE
                        "t5"."s" >= "t5"."L"
                    ) AS "t7"
                    LEFT OUTER JOIN (
                      SELECT
                        "t13"."kid",
                        "t13"."drug_id",
                        TRUE AS "in_reg"
                      FROM "t10" AS "t13"
                    ) AS "t16"
                      ON "t7"."kid" = "t16"."kid" AND "t7"."drug_id" = "t16"."drug_id"
                    WHERE
                      EXISTS(
                        SELECT
                          1
                        FROM (
                          SELECT DISTINCT
                            "t27"."kid"
                          FROM "t26" AS "t27"
                          WHERE
                            (
                              "t27"."first_plain" IS NULL
                            ) OR (
                              "t27"."s" < "t27"."first_plain"
                            )
                        ) AS "t31"
                        WHERE
                          "t7"."kid" = "t31"."kid"
                      )
                  ) AS "t32"
                ) AS "t33"
              ) AS "t34"
            ) AS "t36"
              ON "t30"."kid" = "t36"."kid"
              AND "t30"."s" = "t36"."s"
              AND "t30"."drug_id" = "t36"."drug_id"
          ) AS "t37"
          WHERE
            "t37"."exempt"
        ) AS "t38"
        GROUP BY
          1,
          2
      ) AS "t40"
        ON "t30"."kid" = "t40"."kid" AND "t30"."drug_id" = "t40"."drug_id"
    ) AS "t41"
    WHERE
      NOT (
        "t41"."exempt"
      )
      AND (
        (
          "t41"."joined_from" IS NULL
        ) OR (
          "t41"."s" < "t41"."joined_from"
        )
      )
  ) AS "t42"
  GROUP BY
    1
) AS "t44"
  ON "t24"."kid" = "t44"."kid"
