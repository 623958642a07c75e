WITH "t12" AS (
  SELECT
    "t11"."kid",
    "t11"."pid",
    "t11"."island",
    "t11"."phase",
    "t11"."drug_id",
    "t11"."s",
    "t11"."en",
    "t11"."n_records",
    "t11"."L",
    "t8"."sub_fam",
    "t8"."maint",
    "t8"."addon_0",
    "t8"."req_0",
    "t8"."addon_1",
    "t8"."req_1"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t4"."kid",
        "t4"."pid",
        "t4"."island",
        "t4"."phase",
        "t4"."drug_id",
        "t4"."s",
        "t4"."en",
        "t4"."n_records",
        "t5"."L"
      FROM "lw_prepared" AS "t4"
      INNER JOIN "lw_current" AS "t5"
        ON "t4"."kid" = "t5"."kid"
    ) AS "t9"
    WHERE
      "t9"."s" >= "t9"."L"
  ) AS "t11"
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
  ) AS "t8"
    ON "t11"."drug_id" = "t8"."drug_id"
), "t16" AS (
  SELECT DISTINCT
    "t13"."kid",
    "t13"."drug_id"
  FROM "t12" AS "t13"
  WHERE
    "t13"."s" <= (
      "t13"."L" + 28
    )
), "t23" AS (
  SELECT
    "t17"."kid",
    "t17"."pid",
    "t17"."island",
    "t17"."phase",
    "t17"."drug_id",
    "t17"."s",
    "t17"."en",
    "t17"."n_records",
    "t17"."L",
    "t17"."sub_fam",
    "t17"."maint",
    "t17"."addon_0",
    "t17"."req_0",
    "t17"."addon_1",
    "t17"."req_1"
  FROM (
    SELECT
      *
    FROM "t12" AS "t13"
    WHERE
      "t13"."s" > (
        "t13"."L" + 28
      )
  ) AS "t17"
  ANTI JOIN "t16" AS "t20"
    ON "t17"."kid" = "t20"."kid" AND "t17"."drug_id" = "t20"."drug_id"
  ANTI JOIN (
    SELECT DISTINCT
      "t13"."kid",
      "t13"."sub_fam"
    FROM "t12" AS "t13"
    WHERE
      "t13"."s" <= (
        "t13"."L" + 28
      ) AND "t13"."sub_fam" IS NOT NULL
  ) AS "t18"
    ON "t17"."kid" = "t18"."kid" AND "t17"."sub_fam" = "t18"."sub_fam"
), "t28" AS (
  SELECT
    "t26"."kid",
    MIN("t26"."s") AS "first_plain"
  FROM (
    SELECT
      "t24"."kid",
      "t24"."pid",
      "t24"."island",
      "t24"."phase",
      "t24"."drug_id",
      "t24"."s",
      "t24"."en",
      "t24"."n_records",
      "t24"."L",
      "t24"."sub_fam",
      "t24"."maint",
      "t24"."addon_0",
      "t24"."req_0",
      "t24"."addon_1",
      "t24"."req_1",
      "t24"."addon_0" OR "t24"."addon_1" AS "is_addon"
    FROM "t23" AS "t24"
    WHERE
      NOT (
        "t24"."addon_0" OR "t24"."addon_1"
      )
  ) AS "t26"
  GROUP BY
    1
), "t32" AS (
  SELECT
    "t27"."kid",
    "t27"."pid",
    "t27"."island",
    "t27"."phase",
    "t27"."drug_id",
    "t27"."s",
    "t27"."en",
    "t27"."n_records",
    "t27"."L",
    "t27"."sub_fam",
    "t27"."maint",
    "t27"."addon_0",
    "t27"."req_0",
    "t27"."addon_1",
    "t27"."req_1",
    "t27"."is_addon",
    "t31"."kid" AS "kid_right",
    "t31"."first_plain"
  FROM (
    SELECT
      "t24"."kid",
      "t24"."pid",
      "t24"."island",
      "t24"."phase",
      "t24"."drug_id",
      "t24"."s",
      "t24"."en",
      "t24"."n_records",
      "t24"."L",
      "t24"."sub_fam",
      "t24"."maint",
      "t24"."addon_0",
      "t24"."req_0",
      "t24"."addon_1",
      "t24"."req_1",
      "t24"."addon_0" OR "t24"."addon_1" AS "is_addon"
    FROM "t23" AS "t24"
    WHERE
      "t24"."addon_0" OR "t24"."addon_1"
  ) AS "t27"
  LEFT OUTER JOIN "t28" AS "t31"
    ON "t27"."kid" = "t31"."kid"
), "t47" AS (
  SELECT
    "t36"."kid",
    "t36"."pid",
    "t36"."L",
    "t36"."s",
    "t36"."drug_id",
    "t42"."exempt",
    "t46"."progressed"
  FROM (
    SELECT
      "t33"."kid",
      "t33"."pid",
      "t33"."L",
      "t33"."s",
      "t33"."drug_id"
    FROM "t32" AS "t33"
    WHERE
      (
        "t33"."first_plain" IS NULL
      ) OR (
        "t33"."s" < "t33"."first_plain"
      )
  ) AS "t36"
  INNER JOIN (
    SELECT
      "t40"."kid",
      "t40"."s",
      "t40"."drug_id",
      "t40"."exempt"
    FROM (
      SELECT
        "t39"."kid",
        "t39"."pid",
        "t39"."island",
        "t39"."phase",
        "t39"."drug_id",
        "t39"."s",
        "t39"."en",
        "t39"."n_records",
        "t39"."L",
        "t39"."sub_fam",
        "t39"."maint",
        "t39"."addon_0",
        "t39"."req_0",
        "t39"."addon_1",
        "t39"."req_1",
        "t39"."in_reg",
        COALESCE(
          "t39"."addon_0"
          AND BOOL_OR(CAST("t39"."req_0" AND (
            "t39"."s" <= (
              "t39"."L" + 28
            )
          ) AS BOOLEAN)) OVER (PARTITION BY "t39"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
          AND (
            (
              MAX(
                CASE
                  WHEN "t39"."in_reg" AND NOT (
                    "t39"."maint"
                  )
                  THEN "t39"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) IS NOT NULL
            )
            AND (
              MAX(
                CASE
                  WHEN "t39"."in_reg" AND NOT (
                    "t39"."maint"
                  )
                  THEN "t39"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) < "t39"."s"
            )
            AND NOT (
              BOOL_OR(CAST("t39"."in_reg" AND NOT (
                "t39"."maint"
              ) AS BOOLEAN)) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN CURRENT ROW AND CURRENT ROW
              )
            )
            AND (
              MAX(
                CASE WHEN "t39"."in_reg" AND "t39"."maint" THEN "t39"."s" ELSE CAST(NULL AS INT) END
              ) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) > MAX(
                CASE
                  WHEN "t39"."in_reg" AND NOT (
                    "t39"."maint"
                  )
                  THEN "t39"."en"
                  ELSE CAST(NULL AS INT)
                END
              ) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              )
            )
          )
          AND (
            (
              MAX(CASE WHEN "t39"."req_0" THEN "t39"."s" ELSE CAST(NULL AS INT) END) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
              ) >= (
                "t39"."s" - 28
              )
            )
            AND (
              MIN(CASE WHEN "t39"."req_0" THEN "t39"."s" ELSE CAST(NULL AS INT) END) OVER (
                PARTITION BY "t39"."kid"
                ORDER BY "t39"."s" ASC
                RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
              ) <= (
                "t39"."s" + 28
              )
            )
          ),
          FALSE
        )
        OR COALESCE(
          "t39"."addon_1"
          AND BOOL_OR(CAST("t39"."req_1" AND (
            "t39"."s" <= (
              "t39"."L" + 28
            )
          ) AS BOOLEAN)) OVER (PARTITION BY "t39"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
          FALSE
        ) AS "exempt"
      FROM (
        SELECT
          "t38"."kid",
          "t38"."pid",
          "t38"."island",
          "t38"."phase",
          "t38"."drug_id",
          "t38"."s",
          "t38"."en",
          "t38"."n_records",
          "t38"."L",
          "t38"."sub_fam",
          "t38"."maint",
          "t38"."addon_0",
          "t38"."req_0",
          "t38"."addon_1",
          "t38"."req_1",
          COALESCE("t38"."in_reg", FALSE) AS "in_reg"
        FROM (
          SELECT
            "t11"."kid",
            "t11"."pid",
            "t11"."island",
            "t11"."phase",
            "t11"."drug_id",
            "t11"."s",
            "t11"."en",
            "t11"."n_records",
            "t11"."L",
            "t8"."sub_fam",
            "t8"."maint",
            "t8"."addon_0",
            "t8"."req_0",
            "t8"."addon_1",
            "t8"."req_1",
            "t22"."in_reg"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t4"."kid",
                "t4"."pid",
                "t4"."island",
                "t4"."phase",
                "t4"."drug_id",
                "t4"."s",
                "t4"."en",
                "t4"."n_records",
                "t5"."L"
              FROM "lw_prepared" AS "t4"
              INNER JOIN "lw_current" AS "t5"
                ON "t4"."kid" = "t5"."kid"
            ) AS "t9"
            WHERE
              "t9"."s" >= "t9"."L"
          ) AS "t11"
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
          ) AS "t8"
            ON "t11"."drug_id" = "t8"."drug_id"
          SEMI JOIN (
            SELECT DISTINCT
              "t33"."kid"
            FROM "t32" AS "t33"
            WHERE
              (
                "t33"."first_plain" IS NULL
              ) OR (
                "t33"."s" < "t33"."first_plain"
              )
          ) AS "t37"
            ON "t11"."kid" = "t37"."kid"
          LEFT OUTER JOIN (
            SELECT
              "t19"."kid",
              "t19"."drug_id",
              TRUE AS "in_reg"
            FROM "t16" AS "t19"
          ) AS "t22"
            ON "t11"."kid" = "t22"."kid" AND "t11"."drug_id" = "t22"."drug_id"
        ) AS "t38"
      ) AS "t39"
    ) AS "t40"
  ) AS "t42"
    ON "t36"."kid" = "t42"."kid"
    AND "t36"."s" = "t42"."s"
    AND "t36"."drug_id" = "t42"."drug_id"
  LEFT OUTER JOIN (
    SELECT
      "t44"."kid",
      "t44"."s",
      "t44"."drug_id",
      TRUE AS "progressed"
    FROM (
      SELECT DISTINCT
        *
      FROM (
        SELECT
          "t36"."kid",
          "t36"."s",
          "t36"."drug_id"
        FROM (
          SELECT
            "t33"."kid",
            "t33"."pid",
            "t33"."L",
            "t33"."s",
            "t33"."drug_id"
          FROM "t32" AS "t33"
          WHERE
            (
              "t33"."first_plain" IS NULL
            ) OR (
              "t33"."s" < "t33"."first_plain"
            )
        ) AS "t36"
        INNER JOIN (
          SELECT
            "t40"."kid",
            "t40"."s",
            "t40"."drug_id",
            "t40"."exempt"
          FROM (
            SELECT
              "t39"."kid",
              "t39"."pid",
              "t39"."island",
              "t39"."phase",
              "t39"."drug_id",
              "t39"."s",
              "t39"."en",
              "t39"."n_records",
              "t39"."L",
              "t39"."sub_fam",
              "t39"."maint",
              "t39"."addon_0",
              "t39"."req_0",
              "t39"."addon_1",
              "t39"."req_1",
              "t39"."in_reg",
              COALESCE(
                "t39"."addon_0"
                AND BOOL_OR(CAST("t39"."req_0" AND (
                  "t39"."s" <= (
                    "t39"."L" + 28
                  )
                ) AS BOOLEAN)) OVER (PARTITION BY "t39"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                AND (
                  (
                    MAX(
                      CASE
                        WHEN "t39"."in_reg" AND NOT (
                          "t39"."maint"
                        )
                        THEN "t39"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) IS NOT NULL
                  )
                  AND (
                    MAX(
                      CASE
                        WHEN "t39"."in_reg" AND NOT (
                          "t39"."maint"
                        )
                        THEN "t39"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) < "t39"."s"
                  )
                  AND NOT (
                    BOOL_OR(CAST("t39"."in_reg" AND NOT (
                      "t39"."maint"
                    ) AS BOOLEAN)) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN CURRENT ROW AND CURRENT ROW
                    )
                  )
                  AND (
                    MAX(
                      CASE WHEN "t39"."in_reg" AND "t39"."maint" THEN "t39"."s" ELSE CAST(NULL AS INT) END
                    ) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) > MAX(
                      CASE
                        WHEN "t39"."in_reg" AND NOT (
                          "t39"."maint"
                        )
                        THEN "t39"."en"
                        ELSE CAST(NULL AS INT)
                      END
                    ) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    )
                  )
                )
                AND (
                  (
                    MAX(CASE WHEN "t39"."req_0" THEN "t39"."s" ELSE CAST(NULL AS INT) END) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN UNBOUNDED PRECEDING AND 1 preceding
                    ) >= (
                      "t39"."s" - 28
                    )
                  )
                  AND (
                    MIN(CASE WHEN "t39"."req_0" THEN "t39"."s" ELSE CAST(NULL AS INT) END) OVER (
                      PARTITION BY "t39"."kid"
                      ORDER BY "t39"."s" ASC
                      RANGE BETWEEN 1 following AND UNBOUNDED FOLLOWING
                    ) <= (
                      "t39"."s" + 28
                    )
                  )
                ),
                FALSE
              )
              OR COALESCE(
                "t39"."addon_1"
                AND BOOL_OR(CAST("t39"."req_1" AND (
                  "t39"."s" <= (
                    "t39"."L" + 28
                  )
                ) AS BOOLEAN)) OVER (PARTITION BY "t39"."kid" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
                FALSE
              ) AS "exempt"
            FROM (
              SELECT
                "t38"."kid",
                "t38"."pid",
                "t38"."island",
                "t38"."phase",
                "t38"."drug_id",
                "t38"."s",
                "t38"."en",
                "t38"."n_records",
                "t38"."L",
                "t38"."sub_fam",
                "t38"."maint",
                "t38"."addon_0",
                "t38"."req_0",
                "t38"."addon_1",
                "t38"."req_1",
                COALESCE("t38"."in_reg", FALSE) AS "in_reg"
              FROM (
                SELECT
                  "t11"."kid",
                  "t11"."pid",
                  "t11"."island",
                  "t11"."phase",
                  "t11"."drug_id",
                  "t11"."s",
                  "t11"."en",
                  "t11"."n_records",
                  "t11"."L",
                  "t8"."sub_fam",
                  "t8"."maint",
                  "t8"."addon_0",
                  "t8"."req_0",
                  "t8"."addon_1",
                  "t8"."req_1",
                  "t22"."in_reg"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t4"."kid",
                      "t4"."pid",
                      "t4"."island",
                      "t4"."phase",
                      "t4"."drug_id",
                      "t4"."s",
                      "t4"."en",
                      "t4"."n_records",
                      "t5"."L"
                    FROM "lw_prepared" AS "t4"
                    INNER JOIN "lw_current" AS "t5"
                      ON "t4"."kid" = "t5"."kid"
                  ) AS "t9"
                  WHERE
                    "t9"."s" >= "t9"."L"
                ) AS "t11"
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
                ) AS "t8"
                  ON "t11"."drug_id" = "t8"."drug_id"
                SEMI JOIN (
                  SELECT DISTINCT
                    "t33"."kid"
                  FROM "t32" AS "t33"
                  WHERE
                    (
                      "t33"."first_plain" IS NULL
                    ) OR (
                      "t33"."s" < "t33"."first_plain"
                    )
                ) AS "t37"
                  ON "t11"."kid" = "t37"."kid"
                LEFT OUTER JOIN (
                  SELECT
                    "t19"."kid",
                    "t19"."drug_id",
                    TRUE AS "in_reg"
                  FROM "t16" AS "t19"
                ) AS "t22"
                  ON "t11"."kid" = "t22"."kid" AND "t11"."drug_id" = "t22"."drug_id"
              ) AS "t38"
            ) AS "t39"
          ) AS "t40"
        ) AS "t42"
          ON "t36"."kid" = "t42"."kid"
          AND "t36"."s" = "t42"."s"
          AND "t36"."drug_id" = "t42"."drug_id"
        INNER JOIN "lw_progressions" AS "t6"
          ON "t36"."pid" = "t6"."pid" AND "t6"."p" > "t36"."L" AND "t6"."p" <= "t36"."s"
      ) AS "t43"
    ) AS "t44"
  ) AS "t46"
    ON "t36"."kid" = "t46"."kid"
    AND "t36"."s" = "t46"."s"
    AND "t36"."drug_id" = "t46"."drug_id"
)
SELECT
  COALESCE("t30"."kid", "t57"."kid") AS "kid",
  LEAST(
    COALESCE("t30"."first_plain", "t57"."first_addon"),
    COALESCE("t57"."first_addon", "t30"."first_plain")
  ) AS "L"
FROM "t28" AS "t30"
FULL OUTER JOIN (
  SELECT
    "t55"."kid",
    MIN("t55"."s") AS "first_addon"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t51"."kid",
        "t51"."pid",
        "t51"."L",
        "t51"."s",
        "t51"."drug_id",
        "t51"."exempt",
        "t51"."progressed",
        "t53"."kid" AS "kid_right",
        "t53"."drug_id" AS "drug_id_right",
        "t53"."joined_from"
      FROM (
        SELECT
          "t48"."kid",
          "t48"."pid",
          "t48"."L",
          "t48"."s",
          "t48"."drug_id",
          "t48"."exempt" AND NOT (
            COALESCE("t48"."progressed", FALSE)
          ) AS "exempt",
          "t48"."progressed"
        FROM "t47" AS "t48"
      ) AS "t51"
      LEFT OUTER JOIN (
        SELECT
          "t50"."kid",
          "t50"."drug_id",
          MIN("t50"."s") AS "joined_from"
        FROM (
          SELECT
            "t48"."kid",
            "t48"."pid",
            "t48"."L",
            "t48"."s",
            "t48"."drug_id",
            "t48"."exempt" AND NOT (
              COALESCE("t48"."progressed", FALSE)
            ) AS "exempt",
            "t48"."progressed"
          FROM "t47" AS "t48"
          WHERE
            "t48"."exempt" AND NOT (
              COALESCE("t48"."progressed", FALSE)
            )
        ) AS "t50"
        GROUP BY
          1,
          2
      ) AS "t53"
        ON "t51"."kid" = "t53"."kid" AND "t51"."drug_id" = "t53"."drug_id"
    ) AS "t54"
    WHERE
      NOT (
        "t54"."exempt"
      )
      AND (
        (
          "t54"."joined_from" IS NULL
        ) OR (
          "t54"."s" < "t54"."joined_from"
        )
      )
  ) AS "t55"
  GROUP BY
    1
) AS "t57"
  ON "t30"."kid" = "t57"."kid"
