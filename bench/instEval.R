# bench/instEval.R OUT.csv -- exports lme4's InstEval (ETH Zurich lecture
# evaluations: s = student, d = lecturer, y = rating 1..5) as user,item,rating.
# Run with Debian's R: Rscript bench/instEval.R instEval.csv (r-cran-lme4).
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript instEval.R OUT.csv")
data("InstEval", package = "lme4")
d <- data.frame(user = as.character(InstEval$s), item = as.character(InstEval$d),
                rating = as.integer(InstEval$y))
tmp <- paste0(args[1], ".tmp")
write.csv(d, tmp, row.names = FALSE, quote = FALSE)
invisible(file.rename(tmp, args[1]))
