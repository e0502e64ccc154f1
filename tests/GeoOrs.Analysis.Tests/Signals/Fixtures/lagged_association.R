# Reference values for GeoOrs.Analysis.Signals (LaggedAssociationTests, ShareRiseTests), from R's
# stats package. Run once with `Rscript lagged_association.R` in this folder (R 4 from Debian); the
# outputs are committed beside it so the tests do not need R.
#
# Each case is a pair of weekly count series: `later` (overdoses) and `earlier` (seizures). The
# outputs are R's ccf(later, earlier) at lags 0..8 on the raw series, the order and coefficients of
# ar(earlier, aic = TRUE, method = "yule-walker"), and ccf at lags 0..8 of both series filtered by
# that model (prewhitened: stats::filter(s - mean(s), c(1, -ar), sides = 1) without its leading NAs).
set.seed(20261207)
n <- 104
g17 <- function(v) paste(sprintf("%.17g", v), collapse = ";")

cases <- list()
# Seizures follow an AR(1) process; overdoses follow them two weeks later.
e <- as.numeric(arima.sim(list(ar = 0.7), n = n + 2)) * 3 + 12
sz <- pmax(0, round(e[3:(n + 2)]))
od <- rpois(n, pmax(0.5, 4 + 0.6 * e[1:n]))
cases[["seizures_lead_overdoses_by_two_weeks"]] <- list(later = od, earlier = sz)
# Both trend upwards and are otherwise unrelated: raw correlations everywhere, none once prewhitened.
t <- 1:n
cases[["two_unrelated_trends"]] <- list(later = rpois(n, 3 + 0.08 * t), earlier = rpois(n, 2 + 0.05 * t))
# Independent white noise: the model is of order 0 and both series stay as they are.
cases[["independent_counts"]] <- list(later = rpois(n, 6), earlier = rpois(n, 4))
# A short series with a seasonal swing (one year).
m <- 52
s <- round(10 + 6 * sin(2 * pi * (1:m) / 26) + rnorm(m, 0, 2))
cases[["one_seasonal_year"]] <- list(later = pmax(0, s + rpois(m, 2)), earlier = pmax(0, round(8 + 5 * sin(2 * pi * (1:m) / 26 + 0.5) + rnorm(m))))

out <- file("lagged_association.csv", "w")
writeLines("case,later,earlier,raw,order,ar,prewhitened", out)
for (name in names(cases)) {
  x <- cases[[name]]$later
  y <- cases[[name]]$earlier
  raw <- ccf(x, y, lag.max = 8, plot = FALSE)$acf[9:17]
  fit <- ar(y, aic = TRUE, method = "yule-walker")
  p <- fit$order
  white <- function(v) {
    f <- if (p > 0) as.vector(stats::filter(v - mean(v), c(1, -fit$ar), sides = 1)) else v - mean(v)
    if (p > 0) f[-(1:p)] else f
  }
  pw <- ccf(white(x), white(y), lag.max = 8, plot = FALSE)$acf[9:17]
  writeLines(paste(name, g17(x), g17(y), g17(raw), p, if (p > 0) g17(fit$ar) else "", g17(pw), sep = ","), out)
}
close(out)

# One-sided Fisher exact tests of a rise in a drug's share: a of n1 this week, c of n0 the week before.
tables <- rbind(c(3, 10, 0, 12), c(5, 9, 1, 11), c(1, 4, 0, 5), c(12, 40, 4, 38), c(2, 2, 0, 30),
                c(0, 7, 3, 9), c(7, 7, 7, 7), c(40, 200, 15, 190), c(1, 1, 0, 0))
out <- file("share_rise.csv", "w")
writeLines("drug_now,total_now,drug_before,total_before,p", out)
for (i in seq_len(nrow(tables))) {
  a <- tables[i, 1]; n1 <- tables[i, 2]; c0 <- tables[i, 3]; n0 <- tables[i, 4]
  p <- if (n1 + n0 == 0) 1 else fisher.test(matrix(c(a, c0, n1 - a, n0 - c0), 2), alternative = "greater")$p.value
  writeLines(paste(a, n1, c0, n0, sprintf("%.17g", p), sep = ","), out)
}
close(out)
