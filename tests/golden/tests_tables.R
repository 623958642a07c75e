# Golden values for linewise.stats contingency / rank / proportion tests, SMD and Table 1.
#
# Run from the repository root:   Rscript tests/golden/tests_tables.R
# Writes tests/golden/data/tests_tables.json. Every block records the R call that produced it
# (field "call") so a test docstring can show it. Base R only (stats, datasets) plus MASS::ginv
# for the categorical standardised difference (as tableone's ExtractSmd uses it).

suppressPackageStartupMessages(library(jsonlite))

out <- list(
  meta = list(
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    mass_version = as.character(packageVersion("MASS")),
    script = "tests/golden/tests_tables.R"
  )
)

mat <- function(v, nr) matrix(v, nrow = nr, byrow = TRUE)
# JSON has no infinity: write +-Inf as the strings "Inf" / "-Inf" (numpy reads them as floats).
fin <- function(v) lapply(v, function(z) if (is.infinite(z)) (if (z > 0) "Inf" else "-Inf") else z)
as_rows <- function(m) lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))

# ---------------------------------------------------------------------------------------------
# Pearson chi-square (chisq.test)
# ---------------------------------------------------------------------------------------------
chisq_cases <- list(
  study_b_trr = list(table = mat(c(2, 16, 6, 18), 2), correct = FALSE),
  study_b_dcr = list(table = mat(c(3, 15, 15, 9), 2), correct = FALSE),
  study_b_ecog = list(table = mat(c(13, 5, 0, 13, 10, 1), 2), correct = FALSE),
  study_b_visceral = list(table = mat(c(13, 5, 18, 6), 2), correct = FALSE),
  study_b_hr_status = list(table = mat(c(11, 7, 10, 14), 2), correct = FALSE),
  study_b_trr_yates = list(table = mat(c(2, 16, 6, 18), 2), correct = TRUE),
  hand_2x2_yates = list(table = mat(c(12, 5, 7, 9), 2), correct = TRUE),
  hand_2x2_large_yates = list(table = mat(c(120, 80, 60, 140), 2), correct = TRUE),
  mtcars_cyl_gear = list(table = unclass(table(mtcars$cyl, mtcars$gear)), correct = FALSE),
  hair_eye = list(table = unclass(margin.table(HairEyeColor, c(1, 2))), correct = FALSE),
  infert_education_induced = list(table = unclass(table(infert$education, infert$induced)),
                                  correct = FALSE)
)
out$chisq <- lapply(names(chisq_cases), function(nm) {
  cs <- chisq_cases[[nm]]
  r <- suppressWarnings(chisq.test(cs$table, correct = cs$correct))
  list(
    name = nm,
    call = sprintf("chisq.test(table, correct = %s)", cs$correct),
    table = as_rows(cs$table),
    correct = cs$correct,
    statistic = unname(r$statistic),
    df = unname(r$parameter),
    pvalue = r$p.value,
    expected = as_rows(r$expected)
  )
})

# ---------------------------------------------------------------------------------------------
# Fisher's exact test (fisher.test): 2x2 with conditional MLE odds ratio and CI, and r x c
# ---------------------------------------------------------------------------------------------
fisher_2x2 <- list(
  study_b_trr = mat(c(2, 16, 6, 18), 2),
  study_b_dcr = mat(c(3, 15, 15, 9), 2),
  study_b_visceral = mat(c(13, 5, 18, 6), 2),
  tea_tasting = mat(c(3, 1, 1, 3), 2),
  scipy_doc = mat(c(6, 2, 1, 4), 2),
  zero_cell = mat(c(0, 10, 6, 8), 2),
  zero_cell_other = mat(c(7, 0, 3, 9), 2),
  mtcars_am_vs = unclass(table(mtcars$am, mtcars$vs)),
  larger = mat(c(45, 30, 22, 51), 2),
  balanced = mat(c(10, 10, 10, 10), 2)
)
out$fisher_2x2 <- lapply(names(fisher_2x2), function(nm) {
  m <- fisher_2x2[[nm]]
  r <- fisher.test(m)
  r90 <- fisher.test(m, conf.level = 0.90)
  list(
    name = nm,
    call = "fisher.test(table)",
    table = as_rows(m),
    pvalue = r$p.value,
    estimate = fin(unname(r$estimate))[[1]],
    conf_int = fin(as.numeric(r$conf.int)),
    conf_int_90 = fin(as.numeric(r90$conf.int))
  )
})

fisher_rxc <- list(
  study_b_ecog = mat(c(13, 5, 0, 13, 10, 1), 2),
  mtcars_cyl_gear = unclass(table(mtcars$cyl, mtcars$gear)),
  infert_education_induced = unclass(table(infert$education, infert$induced)),
  hand_2x5 = mat(c(8, 12, 3, 0, 5, 14, 6, 9, 4, 2), 2),
  hand_3x4 = mat(c(3, 5, 2, 1, 2, 4, 6, 3, 5, 1, 1, 4), 3),
  hand_3x4_n150 = mat(c(20, 12, 8, 5, 10, 15, 12, 8, 6, 9, 20, 25), 3),
  hand_4x2 = mat(c(5, 1, 3, 4, 0, 6, 2, 2), 4),
  hand_2x3_n300 = mat(c(60, 55, 35, 40, 70, 40), 2)
)
out$fisher_rxc <- lapply(names(fisher_rxc), function(nm) {
  m <- fisher_rxc[[nm]]
  r <- fisher.test(m, workspace = 2e8)
  list(name = nm, call = "fisher.test(table, workspace = 2e8)", table = as_rows(m),
       pvalue = r$p.value)
})

# ---------------------------------------------------------------------------------------------
# Wilcoxon rank-sum / Mann-Whitney (wilcox.test), default arguments
# ---------------------------------------------------------------------------------------------
set.seed(20240601)
wx_exact_x <- round(rnorm(12, 10, 3), 3)
wx_exact_y <- round(rnorm(9, 12, 3), 3)
set.seed(7)
wx_big_x <- round(rnorm(60, 0, 1), 5)
wx_big_y <- round(rnorm(55, 0.4, 1), 5)
wilcox_cases <- list(
  exact_small = list(x = wx_exact_x, y = wx_exact_y),
  exact_tiny = list(x = c(1.1, 2.2, 3.3, 4.4), y = c(0.5, 5.5, 6.6)),
  exact_separated = list(x = c(1, 2, 3, 4, 5, 6), y = c(7, 8, 9, 10, 11)),
  ties_mtcars_mpg_am = list(x = mtcars$mpg[mtcars$am == 0], y = mtcars$mpg[mtcars$am == 1]),
  ties_sleep = list(x = sleep$extra[sleep$group == 1], y = sleep$extra[sleep$group == 2]),
  normal_large_no_ties = list(x = wx_big_x, y = wx_big_y),
  ties_integers = list(x = c(1, 1, 2, 2, 2, 3, 5, 0), y = c(2, 3, 3, 4, 4, 6, 2))
)
out$wilcox <- lapply(names(wilcox_cases), function(nm) {
  cs <- wilcox_cases[[nm]]
  r <- suppressWarnings(wilcox.test(cs$x, cs$y))
  list(name = nm, call = "wilcox.test(x, y)", x = cs$x, y = cs$y,
       statistic = unname(r$statistic), pvalue = r$p.value)
})

# ---------------------------------------------------------------------------------------------
# Kruskal-Wallis (kruskal.test)
# ---------------------------------------------------------------------------------------------
aq <- airquality[!is.na(airquality$Ozone), ]
kruskal_cases <- list(
  airquality_ozone_month = list(values = aq$Ozone, groups = as.character(aq$Month)),
  plantgrowth = list(values = PlantGrowth$weight, groups = as.character(PlantGrowth$group)),
  insectsprays = list(values = InsectSprays$count, groups = as.character(InsectSprays$spray)),
  two_groups_sleep = list(values = sleep$extra, groups = as.character(sleep$group))
)
out$kruskal <- lapply(names(kruskal_cases), function(nm) {
  cs <- kruskal_cases[[nm]]
  r <- kruskal.test(cs$values, factor(cs$groups))
  list(name = nm, call = "kruskal.test(values, factor(groups))", values = cs$values,
       groups = cs$groups, statistic = unname(r$statistic), df = unname(r$parameter),
       pvalue = r$p.value)
})

# ---------------------------------------------------------------------------------------------
# t tests (t.test): Welch (default) and pooled variance
# ---------------------------------------------------------------------------------------------
t_cases <- list(
  sleep = list(x = sleep$extra[sleep$group == 1], y = sleep$extra[sleep$group == 2]),
  plantgrowth_ctrl_trt1 = list(x = PlantGrowth$weight[PlantGrowth$group == "ctrl"],
                               y = PlantGrowth$weight[PlantGrowth$group == "trt1"]),
  mtcars_mpg_am = list(x = mtcars$mpg[mtcars$am == 0], y = mtcars$mpg[mtcars$am == 1])
)
out$t_test <- list()
for (nm in names(t_cases)) {
  cs <- t_cases[[nm]]
  for (ev in c(FALSE, TRUE)) {
    r <- t.test(cs$x, cs$y, var.equal = ev)
    out$t_test[[length(out$t_test) + 1]] <- list(
      name = nm, call = sprintf("t.test(x, y, var.equal = %s)", ev), equal_var = ev,
      x = cs$x, y = cs$y, statistic = unname(r$statistic), df = unname(r$parameter),
      pvalue = r$p.value, conf_int = as.numeric(r$conf.int), estimate = unname(r$estimate)
    )
  }
}

# ---------------------------------------------------------------------------------------------
# Proportion confidence intervals: binom.test (Clopper-Pearson), prop.test(correct = FALSE)
# (Wilson score), and the Wald interval written out (no base-R function reports it)
# ---------------------------------------------------------------------------------------------
prop_cases <- list(c(2, 18), c(6, 24), c(3, 18), c(15, 24), c(0, 10), c(10, 10), c(46, 58),
                   c(1, 1), c(0, 1), c(50, 100), c(397, 555))
out$proportion_ci <- list()
for (cs in prop_cases) {
  for (cl in c(0.95, 0.90)) {
    x <- cs[1]; n <- cs[2]
    b <- binom.test(x, n, conf.level = cl)
    w <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = cl))
    z <- qnorm(1 - (1 - cl) / 2)
    p <- x / n
    wald <- c(max(0, p - z * sqrt(p * (1 - p) / n)), min(1, p + z * sqrt(p * (1 - p) / n)))
    out$proportion_ci[[length(out$proportion_ci) + 1]] <- list(
      x = x, n = n, conf_level = cl,
      call_clopper_pearson = "binom.test(x, n, conf.level = cl)$conf.int",
      call_wilson = "prop.test(x, n, correct = FALSE, conf.level = cl)$conf.int",
      call_wald = "p +/- qnorm(1 - (1 - cl)/2) * sqrt(p * (1 - p) / n), clipped to [0, 1]",
      clopper_pearson = as.numeric(b$conf.int),
      wilson = as.numeric(w$conf.int),
      wald = wald
    )
  }
}

# ---------------------------------------------------------------------------------------------
# Standardised differences, written out as tableone's ExtractSmd defines them:
# continuous |m1 - m2| / sqrt((v1 + v2) / 2); categorical sqrt(T' ginv(S) T) with T the
# difference of level proportions (first level dropped) and S the mean multinomial covariance
# (Yang & Dalton 2012). More than two groups: tableone reports the mean of pairwise values.
# ---------------------------------------------------------------------------------------------
smd_cont <- function(v, g) {
  g <- factor(g)
  lv <- levels(g)
  pairs <- combn(length(lv), 2)
  vals <- apply(pairs, 2, function(ij) {
    a <- v[g == lv[ij[1]]]; b <- v[g == lv[ij[2]]]
    abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
  })
  vals
}
smd_cat <- function(v, g) {
  tab <- table(factor(g), factor(v))
  props <- prop.table(tab, 1)[, -1, drop = FALSE]
  pairs <- combn(nrow(props), 2)
  apply(pairs, 2, function(ij) {
    p1 <- props[ij[1], ]; p2 <- props[ij[2], ]
    cv <- function(p) { m <- -outer(p, p); diag(m) <- p * (1 - p); m }
    S <- (cv(p1) + cv(p2)) / 2
    d <- p1 - p2
    sqrt(drop(t(d) %*% MASS::ginv(S) %*% d))
  })
}
out$smd <- list(
  list(name = "mtcars_mpg_am", kind = "continuous", values = mtcars$mpg,
       groups = as.character(mtcars$am), pairwise = smd_cont(mtcars$mpg, mtcars$am),
       call = "abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)"),
  list(name = "mtcars_mpg_cyl", kind = "continuous", values = mtcars$mpg,
       groups = as.character(mtcars$cyl), pairwise = smd_cont(mtcars$mpg, mtcars$cyl),
       call = "pairwise abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)"),
  list(name = "mtcars_cyl_am", kind = "categorical", values = as.character(mtcars$cyl),
       groups = as.character(mtcars$am), pairwise = smd_cat(mtcars$cyl, mtcars$am),
       call = "sqrt(t(d) %*% MASS::ginv(S) %*% d)"),
  list(name = "mtcars_vs_am", kind = "categorical", values = as.character(mtcars$vs),
       groups = as.character(mtcars$am), pairwise = smd_cat(mtcars$vs, mtcars$am),
       call = "sqrt(t(d) %*% MASS::ginv(S) %*% d)"),
  list(name = "mtcars_gear_cyl", kind = "categorical", values = as.character(mtcars$gear),
       groups = as.character(mtcars$cyl), pairwise = smd_cat(mtcars$gear, mtcars$cyl),
       call = "pairwise sqrt(t(d) %*% MASS::ginv(S) %*% d)"),
  list(name = "study_b_ecog", kind = "categorical",
       values = as.character(c(rep(0, 13), rep(1, 5), rep(0, 13), rep(1, 10), 2)),
       groups = c(rep("TP", 18), rep("T", 24)),
       pairwise = smd_cat(c(rep(0, 13), rep(1, 5), rep(0, 13), rep(1, 10), 2),
                          c(rep("TP", 18), rep("T", 24))),
       call = "sqrt(t(d) %*% MASS::ginv(S) %*% d)")
)

# ---------------------------------------------------------------------------------------------
# Table 1 pieces on a small fixed data frame (gtsummary is not installed: every cell is
# checked against base R). p-value rule as gtsummary::add_p defaults: categorical ->
# chisq.test(correct = FALSE) when all expected counts >= 5, else fisher.test; continuous ->
# wilcox.test for two groups, kruskal.test for more. Quantiles: quantile(type = 7).
# ---------------------------------------------------------------------------------------------
set.seed(42)
n <- 80
df <- data.frame(
  arm = sample(c("Tmab/Pmab", "Tmab"), n, replace = TRUE, prob = c(0.45, 0.55)),
  site = sample(c("north", "south", "east"), n, replace = TRUE),
  age = round(rnorm(n, 57, 10), 1),
  ecog = sample(c(0, 1, 2), n, replace = TRUE, prob = c(0.6, 0.35, 0.05)),
  visceral = sample(c("visceral", "non-visceral"), n, replace = TRUE, prob = c(0.7, 0.3)),
  sex = sample(c("female", "male"), n, replace = TRUE, prob = c(0.5, 0.5)),
  prior_lines = sample(0:4, n, replace = TRUE),
  ki67 = round(rlnorm(n, 3, 0.5), 0),
  stringsAsFactors = FALSE
)
df$ki67[sample.int(n, 9)] <- NA
df$visceral[sample.int(n, 4)] <- NA

cat_p <- function(v, g) {
  ok <- !is.na(v)
  tab <- table(g[ok], v[ok])
  e <- suppressWarnings(chisq.test(tab, correct = FALSE))
  if (all(e$expected >= 5)) {
    list(test = "chisq.test(correct = FALSE)", pvalue = e$p.value, min_expected = min(e$expected))
  } else {
    list(test = "fisher.test(workspace = 2e8)", pvalue = fisher.test(tab, workspace = 2e8)$p.value, min_expected = min(e$expected))
  }
}
cont_p <- function(v, g) {
  ok <- !is.na(v)
  if (length(unique(g)) == 2) {
    lv <- sort(unique(g))
    r <- suppressWarnings(wilcox.test(v[ok & g == lv[1]], v[ok & g == lv[2]]))
    list(test = "wilcox.test", pvalue = r$p.value)
  } else {
    list(test = "kruskal.test", pvalue = kruskal.test(v[ok], factor(g[ok]))$p.value)
  }
}
cat_counts <- function(v, g) {
  lv <- sort(unique(v[!is.na(v)]))
  lapply(sort(unique(g)), function(gg) {
    vv <- v[g == gg]
    list(group = gg, levels = as.character(lv),
         n = sapply(lv, function(l) sum(vv == l, na.rm = TRUE)),
         n_nonmissing = sum(!is.na(vv)), n_missing = sum(is.na(vv)))
  })
}
cont_stats <- function(v, g) {
  lapply(sort(unique(g)), function(gg) {
    vv <- v[g == gg & !is.na(v)]
    q <- quantile(vv, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
    list(group = gg, n = length(vv), n_missing = sum(g == gg & is.na(v)), median = median(vv),
         q1 = q[1], q3 = q[3], min = min(vv), max = max(vv), mean = mean(vv), sd = sd(vv))
  })
}
t1 <- list(
  call = "see tests/golden/tests_tables.R: cat_p / cont_p / cat_counts / cont_stats",
  data = df,
  by_arm = list(),
  by_site = list()
)
for (by in c("arm", "site")) {
  key <- paste0("by_", by)
  g <- df[[by]]
  for (v in c("ecog", "visceral", "sex", "prior_lines")) {
    t1[[key]][[v]] <- c(list(kind = "categorical", counts = cat_counts(df[[v]], g)),
                        cat_p(df[[v]], g))
  }
  for (v in c("age", "ki67")) {
    t1[[key]][[v]] <- c(list(kind = "continuous", stats = cont_stats(df[[v]], g)),
                        cont_p(df[[v]], g))
  }
  if (by == "arm") {
    t1[[key]][["site"]] <- c(list(kind = "categorical", counts = cat_counts(df$site, g)),
                             cat_p(df$site, g))
    t1[[key]][["smd_age"]] <- smd_cont(df$age[!is.na(df$age)], g)
    okv <- !is.na(df$visceral)
    t1[[key]][["smd_visceral"]] <- smd_cat(df$visceral[okv], g[okv])
    t1[[key]][["smd_ecog"]] <- smd_cat(df$ecog, g)
  }
}
# overall column pieces
t1$overall <- list(
  age = cont_stats(df$age, rep("all", n))[[1]],
  ki67 = cont_stats(df$ki67, rep("all", n))[[1]],
  ecog = cat_counts(df$ecog, rep("all", n))[[1]]
)
out$table_one <- t1

dir.create("tests/golden/data", showWarnings = FALSE, recursive = TRUE)
write(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
      "tests/golden/data/tests_tables.json")
cat("wrote tests/golden/data/tests_tables.json\n")
