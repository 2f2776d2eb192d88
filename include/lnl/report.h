/* Reports: accuracy tables, significance tests and figures rebuilt from
 * DIR/runs.csv alone, so merged, resumed or sharded results render the
 * same way. DIR/manifest.json, when present, only supplies the baseline
 * and the provenance line.
 *
 * Groups. A (data set, noise section) pair is a group. Its table has the
 * methods as rows, in order of first appearance in runs.csv (or in the
 * order of the methods option), and the noise rates as columns, in
 * increasing order. When runs.csv has a "setting"
 * column, a non-empty setting label (such as "0.3/0.1" for noise with one
 * rate per class) names and separates columns of equal rate. A cell is the test accuracy over
 * the seeds whose run succeeded: mean and sample standard deviation
 * (n - 1 in the denominator, 0 for one run). When runs.csv contains several
 * rows for one (data set, noise, method, rate, seed), as after a merge or
 * a resumed sweep, the last row counts and the others are reported as
 * replaced.
 *
 * Best. In every column the highest mean is best (all within 1e-12 of it
 * when tied) and is set in bold. Methods trained on clean labels (labels
 * = clean in runs.csv) are noise-free references: they are left out of
 * the comparison unless every method of the group is one.
 *
 * Significance. Every other method is compared with the baseline method
 * in each column by the two-sided Wilcoxon signed-rank test
 * (lnl_wilcoxon_signed_rank) on the accuracies paired by seed index,
 * over the seeds where both runs succeeded. Zero differences are dropped
 * (scipy's zero_method="wilcox"), ties get midranks and differences
 * within 1e-12 count as equal, and the p-value is exact up to
 * LNL_WILCOXON_EXACT_MAX pairs. A cell with p < alpha gets a dagger, "†"
 * in Markdown and a superscript \dagger in LaTeX. No correction for multiple
 * comparisons is made. With m pairs the smallest p-value is 2 / 2^m, so
 * at least 6 seeds are needed for p < 0.05.
 *
 * Files, each written to "<name>.tmp" and renamed into place (names with
 * characters other than letters, digits, '.', '_' and '-' get '_' in
 * their place in file names):
 *   DIR/tables/<data>_<noise>.md   Markdown: mean ± std, 3 decimals;
 *   DIR/tables/<data>_<noise>.tex  LaTeX tabular with booktabs rules;
 *   DIR/tables/<data>_<noise>.csv  one row per cell: dataset, noise,
 *       method, rate, mean, std, n, failed, best, n_pairs, statistic
 *       (min(W+, W-)), p_value, setting; empty where a value does not
 *       apply;
 *   DIR/tables/<data>_<noise>.json the same cells with the test details;
 *   DIR/tables/combined.md, .tex   the paper-style table: methods as rows,
 *       one column group per data set, a subgroup per noise section and a
 *       column per rate;
 *   DIR/tables/combined.csv, .json every group in one file;
 *   DIR/tables/label_precision.md, .csv  only when some row of runs.csv
 *       has a label_precision (include/lnl/select.h). The Markdown table
 *       is laid out as the combined one, with the mean ± std over the
 *       successful runs of each cell that recorded a value. The CSV has
 *       one row per cell: dataset, noise, method, rate, setting, mean,
 *       std and n;
 *   DIR/figures/accuracy_<data>_<noise>.pdf, .svg, .png  test accuracy
 *       against the noise setting, one line per method with ± std bars
 *       (see lnl_report_accuracy_axis for the x axis);
 *   DIR/figures/transition_<data>_<noise>_<column>_<method>.pdf, .svg,
 *       .png  for each cell whose runs recorded the transition matrix
 *       they used (runs.csv's transition_matrix column, as loss
 *       correction writes it): heat maps of the T realized in the
 *       training labels (the confusion column summed over the seeds,
 *       each row divided by its sum) and of the mean T the method used.
 *       runs.csv has no class names, so rows and columns are class
 *       indices 0..K-1, as in lnl_report_plot_data's heat maps;
 *   DIR/summary.md  the provenance line, the combined table, the label
 *       precision table when there is one, then each
 *       group's table, accuracy figure and links to its transition
 *       figures.
 * CSV and JSON numbers are written with %.17g, except rates, which come
 * from runs.csv rounded to 12 decimals and are written with %.15g as
 * there, so that 0.2 stays 0.2. Both use the C locale, which the CLI never
 * changes.
 */
#ifndef LNL_REPORT_H
#define LNL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/config.h"
#include "lnl/error.h"

typedef struct lnl_report_options {
    /* The method to compare against. NULL: the "baseline" of
     * DIR/manifest.json, or the first method of runs.csv without one. With
     * a methods list, NULL means the manifest's baseline when the list has
     * it, else the first method of the list. */
    const char *baseline;
    double alpha;       /* significance level of the marks; 0 means 0.05 */
    bool skip_figures;  /* true: write the tables and summary.md only */
    /* The methods to report, in the order of the rows and legends: the
     * runs of other methods are left out of every table, figure, count
     * and test. NULL or n_methods = 0: every method of runs.csv. */
    const char *const *methods;
    size_t n_methods;
    /* true: a baseline from the manifest with no run in runs.csv is not an
     * error, and the report has no tests. A shard of a sweep sets it,
     * because its slice of the grid may contain no run of the baseline. */
    bool allow_missing_baseline;
} lnl_report_options;

/* Writes every table, figure and summary.md of DIR with the default
 * options. Returns LNL_ERR_IO when runs.csv cannot be read or an output
 * cannot be written, LNL_ERR_DATA with the line for malformed runs.csv
 * content, and LNL_ERR_ARGUMENT when the manifest's baseline is not a
 * method of runs.csv. */
lnl_status lnl_report_write(const char *dir, lnl_error *err);

/* Checks the text of a runs.csv as lnl_report_write reads it: the columns
 * it needs and every value it parses. Returns LNL_ERR_DATA with path and
 * the line of the first problem. A last line cut off by an interruption
 * is not an error. */
lnl_status lnl_report_check_runs_text(const char *text, const char *path, lnl_error *err);

/* Same with options (NULL for the defaults). LNL_ERR_ARGUMENT is returned
 * for an explicit baseline that is not a method of runs.csv or not in the
 * methods list, and for alpha outside [0, 1). It is also returned for a
 * methods list with a NULL name, a name given twice or a name that
 * runs.csv does not have, and then the message lists the methods it has.
 * A last line of runs.csv without a newline and with fewer
 * fields than the header, as a crash can leave, is skipped with a note in
 * summary.md. */
lnl_status lnl_report_write_with_options(const char *dir, const lnl_report_options *options,
                                         lnl_error *err);

/* Places the n columns of a group's accuracy figure on its x axis, from
 * their rates and setting labels (runs.csv's rate and setting columns).
 * When every label is "", each rate names its column, so the axis is
 * numeric: x[k] = rates[k], and the function returns false. Otherwise
 * labels such as 0.2/0.2 and 0.3/0.1 may share a rate, so the columns
 * become evenly spaced categories in their order: x[k] = k, and it
 * returns true. Either way labels[k] receives the tick label of column k:
 * settings[k], or the rate written with %g when settings[k] is "". */
bool lnl_report_accuracy_axis(const double *rates, const char *const *settings, size_t n,
                              double *x, char (*labels)[LNL_NAME_MAX]);

/* Draws the data of one (data, noise, setting, seed index) cell of
 * config, with the split and the noisy labels that the sweep uses, into
 * out_dir (created when missing), each as .pdf, .svg and .png:
 *   scatter_clean_<stem>: the training points coloured by clean label;
 *   scatter_noisy_<stem>: coloured by noisy label, with a ring around each
 *                 point whose label was flipped;
 *   transition_<stem>: the noise model's transition matrix T and the
 *                 realized one (the clean-to-noisy fractions of the
 *                 training labels) as annotated heat maps. Rows and
 *                 columns are class indices, as in the report's heat
 *                 maps, and a caption gives each index's class name
 *                 unless every name is its index,
 * where <stem> is <data>_<noise>_<column>_seed<seed> and <column> is the
 * setting label with '/' replaced by '_' (0.3_0.1) for class_conditional
 * noise, else the rate. setting and rate choose the setting as
 * lnl_cell_find_setting does. Features are
 * standardized when the data section's standardize key is true. With
 * more than two features the points are projected on their first two
 * principal components (lnl_pca_project), and the axis labels give the
 * share of the variance each one explains. stem_out (may be NULL)
 * receives <stem>, at most stem_size bytes. */
lnl_status lnl_report_plot_data(const lnl_config *config, const lnl_data_spec *data,
                                const lnl_noise_spec *noise, double rate, const char *setting,
                                int seed_index, const char *out_dir, char *stem_out,
                                size_t stem_size, lnl_error *err);

#endif
