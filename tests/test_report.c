#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "lnl_version.h"
#include "lnl/config.h"
#include "lnl/figure.h"
#include "lnl/manifest.h"
#include "lnl/report.h"
#include "lnl/sweep.h"

#include "lnl_process.h"

/* cmocka 1.1.5 compares only floats, so doubles get a check that prints
 * both values and fails at the caller's line. NaN always fails. */
#define assert_close(actual, expected, tolerance) \
    check_close((actual), (expected), (tolerance), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tolerance, const char *text,
                        const char *file, int line)
{
    if (fabs(actual - expected) <= tolerance)
        return;
    print_error("%s is %.17g, expected %.17g within %g\n", text, actual, expected, tolerance);
    _fail(file, line);
}

/* Fails with the file's text when needle is not in it. */
#define assert_contains(text, needle) check_contains((text), (needle), __FILE__, __LINE__)

static void check_contains(const char *text, const char *needle, const char *file, int line)
{
    if (text == NULL) {
        print_error("expected to find \"%s\" in a file that was not written\n", needle);
        _fail(file, line);
        return;
    }
    if (strstr(text, needle) != NULL)
        return;
    print_error("expected to find \"%s\" in:\n%s\n", needle, text);
    _fail(file, line);
}

/* ---- Helpers ------------------------------------------------------------ */

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/lnl_test_report_XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_dir(char *dir)
{
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    free(dir);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* Returns the whole file as a string, or NULL when it does not exist. */
static char *read_text(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    rewind(file);
    char *text = malloc((size_t)length + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)length, file), (size_t)length);
    text[length] = '\0';
    fclose(file);
    return text;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Finds the CSV line starting with prefix and returns field `index`
 * (0-based) as a number; NaN for an empty field. */
static double csv_field(const char *text, const char *prefix, int index)
{
    const char *line = text;
    while (line != NULL && strncmp(line, prefix, strlen(prefix)) != 0) {
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    if (line == NULL) {
        print_error("no line starts with \"%s\" in:\n%s\n", prefix, text);
        fail();
    }
    for (int i = 0; i < index; i++) {
        line = strchr(line, ',');
        assert_non_null(line);
        line++;
    }
    if (*line == ',' || *line == '\n')
        return NAN;
    return strtod(line, NULL);
}

/* ---- Fixture ------------------------------------------------------------ */

/* Six seeds of three methods on one data set and two noise sections.
 * At rate 0.1 "better" beats "base" on every seed by 0.01..0.06, so W+ = 21
 * of 21 and the exact two-sided p-value is 2 / 2^6 = 0.03125. At rate 0.2
 * the differences are 0.01, -0.02, 0.03, -0.04, 0.05 and 0: the zero is
 * dropped, W+ = 1 + 3 + 5 = 9 and W- = 6, p = 26/32 = 0.8125.
 * scipy.stats.wilcoxon 1.10.1 (method="exact") gives the same two
 * p-values. robust_loss was trained on clean labels (a reference). The
 * first row of better at 0.1 seed 0 is replaced by a later one, and base
 * has one failed run at 0.2 with seed 6. */
static const char runs_csv[] =
    "dataset,noise,noise_type,rate,seed,method,labels,test_accuracy,status,message\n"
    "d1,sym,symmetric,0.1,0,base,noisy,0.80,ok,\n"
    "d1,sym,symmetric,0.1,1,base,noisy,0.82,ok,\n"
    "d1,sym,symmetric,0.1,2,base,noisy,0.78,ok,\n"
    "d1,sym,symmetric,0.1,3,base,noisy,0.81,ok,\n"
    "d1,sym,symmetric,0.1,4,base,noisy,0.79,ok,\n"
    "d1,sym,symmetric,0.1,5,base,noisy,0.80,ok,\n"
    "d1,sym,symmetric,0.1,0,better,noisy,0.5,ok,\n"
    "d1,sym,symmetric,0.1,0,better,noisy,0.81,ok,\n"
    "d1,sym,symmetric,0.1,1,better,noisy,0.84,ok,\n"
    "d1,sym,symmetric,0.1,2,better,noisy,0.81,ok,\n"
    "d1,sym,symmetric,0.1,3,better,noisy,0.85,ok,\n"
    "d1,sym,symmetric,0.1,4,better,noisy,0.84,ok,\n"
    "d1,sym,symmetric,0.1,5,better,noisy,0.86,ok,\n"
    "d1,sym,symmetric,0.2,0,base,noisy,0.70,ok,\n"
    "d1,sym,symmetric,0.2,1,base,noisy,0.72,ok,\n"
    "d1,sym,symmetric,0.2,2,base,noisy,0.68,ok,\n"
    "d1,sym,symmetric,0.2,3,base,noisy,0.71,ok,\n"
    "d1,sym,symmetric,0.2,4,base,noisy,0.69,ok,\n"
    "d1,sym,symmetric,0.2,5,base,noisy,0.70,ok,\n"
    "d1,sym,symmetric,0.2,6,base,noisy,0,failed,\"diverged, twice\"\n"
    "d1,sym,symmetric,0.2,0,better,noisy,0.71,ok,\n"
    "d1,sym,symmetric,0.2,1,better,noisy,0.70,ok,\n"
    "d1,sym,symmetric,0.2,2,better,noisy,0.71,ok,\n"
    "d1,sym,symmetric,0.2,3,better,noisy,0.67,ok,\n"
    "d1,sym,symmetric,0.2,4,better,noisy,0.74,ok,\n"
    "d1,sym,symmetric,0.2,5,better,noisy,0.70,ok,\n"
    "d1,sym,symmetric,0.1,0,robust_loss,clean,0.95,ok,\n"
    "d1,sym,symmetric,0.1,1,robust_loss,clean,0.95,ok,\n"
    "d1,sym,symmetric,0.2,0,robust_loss,clean,0.95,ok,\n"
    "d1,pair,pair,0.3,0,base,noisy,0.6,ok,\n"
    "d1,pair,pair,0.3,1,base,noisy,0.62,ok,\n"
    "d1,pair,pair,0.3,0,better,noisy,0.65,ok,\n"
    "d1,pair,pair,0.3,1,better,noisy,0.66,ok,\n";

static char *make_fixture(void)
{
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv", runs_csv);
    return dir;
}

static lnl_report_options no_figures(const char *baseline)
{
    lnl_report_options options = {.baseline = baseline, .alpha = 0.05, .skip_figures = true};
    return options;
}

/* ---- Tables ------------------------------------------------------------- */

static void report_csv_means_and_p_values(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *csv = read_text(dir, "tables/d1_sym.csv");
    assert_non_null(csv);
    assert_contains(csv, "dataset,noise,method,rate,mean,std,n,failed,best,n_pairs,statistic,"
                         "p_value,setting\n");
    /* 0-based fields: 3 rate, 4 mean, 5 std, 6 n, 7 failed, 8 best,
     * 9 n_pairs, 10 statistic, 11 p_value, 12 setting */
    assert_close(csv_field(csv, "d1,sym,base,0.1,", 4), 0.8, 1e-15);
    assert_close(csv_field(csv, "d1,sym,base,0.1,", 5), 0.014142135623730933, 1e-15);
    assert_close(csv_field(csv, "d1,sym,base,0.1,", 6), 6, 0);
    assert_true(isnan(csv_field(csv, "d1,sym,base,0.1,", 11)));

    /* the replaced row (0.5) does not count */
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 4), 0.835, 1e-15);
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 5), 0.020736441353327733, 1e-15);
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 6), 6, 0);
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 9), 6, 0);
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 10), 0, 0);
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 11), 0.03125, 1e-15);
    assert_close(csv_field(csv, "d1,sym,better,0.2,", 10), 6, 0);
    assert_close(csv_field(csv, "d1,sym,better,0.2,", 11), 0.8125, 1e-15);

    /* the failed run is counted apart */
    assert_close(csv_field(csv, "d1,sym,base,0.2,", 6), 6, 0);
    assert_close(csv_field(csv, "d1,sym,base,0.2,", 7), 1, 0);
    assert_contains(csv, "d1,sym,better,0.1,0.83");
    assert_contains(csv, ",6,0,true,6,0,0.03125,\n");
    free(csv);
    remove_dir(dir);
}

static void report_markdown_bold_and_dagger(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *md = read_text(dir, "tables/d1_sym.md");
    assert_non_null(md);
    assert_contains(md, "| method | 0.1 | 0.2 |\n");
    assert_contains(md, "| base (baseline) | 0.800 ± 0.014 | 0.700 ± 0.014 (1 failed) |\n");
    assert_contains(md, "| better | **0.835 ± 0.021** † | **0.705 ± 0.023** |\n");
    /* a clean-label reference is never best, even with the highest mean */
    assert_contains(md, "| robust_loss | 0.950 ± 0.000 | 0.950 ± 0.000 |\n");
    free(md);

    char *summary = read_text(dir, "summary.md");
    assert_non_null(summary);
    assert_contains(summary, "Numbers from `runs.csv` (32 runs, 1 failed, 1 earlier rows "
                             "replaced");
    assert_contains(summary, "no `manifest.json`");
    assert_contains(summary, "Tables written by lnl " LNL_VERSION);
    assert_contains(summary, "baseline `base` (the first method of runs.csv)");
    assert_contains(summary, "| better | **0.835 ± 0.021** † | **0.705 ± 0.023** | "
                             "**0.655 ± 0.007** |");
    assert_contains(summary, "1 runs failed");
    free(summary);
    remove_dir(dir);
}

static void report_latex_booktabs(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *tex = read_text(dir, "tables/d1_sym.tex");
    assert_non_null(tex);
    assert_contains(tex, "\\begin{tabular}{l*{2}{c}}\n\\toprule\n");
    assert_contains(tex, "Method & 0.1 & 0.2 \\\\\n\\midrule\n");
    assert_contains(tex, "better & $\\mathbf{0.835 \\pm 0.021}^{\\dagger}$ & "
                         "$\\mathbf{0.705 \\pm 0.023}$ \\\\\n");
    assert_contains(tex, "robust\\_loss & $0.950 \\pm 0.000$");
    assert_contains(tex, "\\bottomrule\n\\end{tabular}\n");
    free(tex);

    /* combined: one data set over both noise sections, 3 rate columns */
    char *combined = read_text(dir, "tables/combined.tex");
    assert_non_null(combined);
    assert_contains(combined, "\\begin{tabular}{l*{3}{c}}\n");
    assert_contains(combined, " & \\multicolumn{3}{c}{d1} \\\\\n\\cmidrule(lr){2-4}\n");
    assert_contains(combined, " & \\multicolumn{2}{c}{sym} & \\multicolumn{1}{c}{pair} \\\\\n"
                              "\\cmidrule(lr){2-3}\\cmidrule(lr){4-4}\n");
    assert_contains(combined, "Method & 0.1 & 0.2 & 0.3 \\\\\n");
    assert_contains(combined, "robust\\_loss & $0.950 \\pm 0.000$ & $0.950 \\pm 0.000$ & -- \\\\");
    free(combined);
    remove_dir(dir);
}

static void report_json_has_test_details(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *json = read_text(dir, "tables/combined.json");
    assert_non_null(json);
    assert_contains(json, "\"baseline\": \"base\"");
    assert_contains(json, "\"n_replaced\": 1");
    assert_contains(json, "\"name\": \"robust_loss\", \"labels\": \"clean\"");
    assert_contains(json, "\"test\": {\"n_pairs\": 6, \"n_zero\": 0, \"w_plus\": 21, "
                          "\"w_minus\": 0, \"statistic\": 0, \"p_value\": 0.03125, "
                          "\"exact\": true, \"significant\": true}");
    assert_contains(json, "\"w_plus\": 9, \"w_minus\": 6, \"statistic\": 6, \"p_value\": 0.8125");
    free(json);
    char *group = read_text(dir, "tables/d1_pair.json");
    assert_non_null(group);
    assert_contains(group, "\"rates\": [0.3]");
    free(group);
    remove_dir(dir);
}

/* ---- Baseline ------------------------------------------------------------ */

static void report_baseline_from_manifest(void **state)
{
    (void)state;
    char *dir = make_fixture();
    write_text(dir, "manifest.json",
               "{\"format\": \"lnl-manifest-1\", \"blas\": {\"library\": \"a \\\"baseline\\\": "
               "x\"}, \"lnl_version\": \"9.9\", \"git_commit\": \"abc1234\", "
               "\"baseline\": \"better\"}\n");
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *csv = read_text(dir, "tables/d1_sym.csv");
    assert_close(csv_field(csv, "d1,sym,base,0.1,", 11), 0.03125, 1e-15);
    assert_true(isnan(csv_field(csv, "d1,sym,better,0.1,", 11)));
    free(csv);
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "`manifest.json` (lnl 9.9, commit abc1234");
    assert_contains(summary, "baseline `better` (from manifest.json)");
    free(summary);

    /* an explicit baseline wins over the manifest */
    options = no_figures("robust_loss");
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    csv = read_text(dir, "tables/d1_sym.csv");
    assert_close(csv_field(csv, "d1,sym,better,0.1,", 9), 2, 0);
    assert_true(isnan(csv_field(csv, "d1,sym,robust_loss,0.1,", 11)));
    free(csv);
    remove_dir(dir);
}

static void report_unknown_baseline_rejected(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = no_figures("nope");
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_ARGUMENT);
    assert_contains(err.message, "\"nope\"");
    assert_contains(err.message, "base, better, robust_loss");
    assert_false(file_exists(dir, "summary.md"));

    write_text(dir, "manifest.json", "{\"baseline\": \"gone\"}");
    assert_int_equal(lnl_report_write(dir, &err), LNL_ERR_ARGUMENT);
    assert_contains(err.message, "from manifest.json");
    remove_dir(dir);
}

static void report_alpha_changes_marks(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_report_options options = {.alpha = 0.01, .skip_figures = true};
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    char *md = read_text(dir, "tables/d1_sym.md");
    assert_contains(md, "| better | **0.835 ± 0.021** | **0.705 ± 0.023** |\n");
    free(md);

    options.alpha = 1.5;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_ARGUMENT);
    remove_dir(dir);
}

/* ---- runs.csv edge cases -------------------------------------------------- */

static void report_skips_cut_last_line(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv",
               "dataset,noise,rate,seed,method,test_accuracy,status\n"
               "d,n,0.1,0,m,0.9,ok\n"
               "d,n,0.1,1,m,0.8,ok\n"
               "d,n,0.1,2,m,0.7");
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "cut off");
    assert_contains(summary, "| m (baseline) | **0.850 ± 0.071** |");
    free(summary);

    /* the same line with a newline is an error that names the line */
    write_text(dir, "runs.csv",
               "dataset,noise,rate,seed,method,test_accuracy,status\n"
               "d,n,0.1,0,m,0.9,ok\n"
               "d,n,0.1,2,m,0.7\n");
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_DATA);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "expected 7 fields, found 6");
    remove_dir(dir);
}

static void report_rejects_bad_content(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    lnl_error err;
    assert_int_equal(lnl_report_write(dir, &err), LNL_ERR_IO);

    write_text(dir, "runs.csv", "dataset,noise,rate,method,status\n");
    assert_int_equal(lnl_report_write(dir, &err), LNL_ERR_DATA);
    assert_contains(err.message, "missing column \"test_accuracy\"");

    write_text(dir, "runs.csv", "dataset,noise,rate,seed,method,test_accuracy,status\n"
                                "d,n,0.1,0,m,high,ok\n");
    assert_int_equal(lnl_report_write(dir, &err), LNL_ERR_DATA);
    assert_int_equal(err.line, 2);
    assert_contains(err.message, "invalid test_accuracy \"high\"");
    remove_dir(dir);
}

/* A sweep interrupted before its first run leaves only the header. */
static void report_header_only_runs(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv", "dataset,noise,rate,seed,method,test_accuracy,status\n");
    lnl_error err;
    assert_int_equal(lnl_report_write(dir, &err), LNL_OK);
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "(0 runs, 0 failed)");
    assert_contains(summary, "`runs.csv` has no runs yet.");
    assert_null(strstr(summary, "## All groups"));
    free(summary);
    char *tex = read_text(dir, "tables/combined.tex");
    assert_null(strstr(tex, "\\begin{tabular}"));
    free(tex);
    remove_dir(dir);
}

static void report_without_seed_column_has_no_tests(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv", "dataset,noise,rate,method,test_accuracy,status\n"
                                "d,n,0.1,a,0.9,ok\nd,n,0.1,b,0.8,ok\n"
                                "d,n,0.1,a,0.7,ok\nd,n,0.1,b,0.6,ok\n");
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "no seed column, so no test was run");
    /* without seeds no row replaces another: both runs of a count */
    assert_contains(summary, "| a (baseline) | **0.800 ± 0.141** |");
    free(summary);
    remove_dir(dir);
}

/* Noise with one rate per class names its columns by a setting label. */
static void report_setting_labels_split_columns(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv", "dataset,noise,rate,setting,seed,method,test_accuracy,status\n"
                                "d,cc,0.2,0.3/0.1,0,m,0.9,ok\n"
                                "d,cc,0.2,0.1/0.3,0,m,0.8,ok\n"
                                "d,cc,0.1,0.1/0.1,0,m,0.95,ok\n");
    lnl_report_options options = no_figures(NULL);
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    char *md = read_text(dir, "tables/d_cc.md");
    assert_contains(md, "| method | 0.1/0.1 | 0.1/0.3 | 0.3/0.1 |\n");
    assert_contains(md, "| **0.950 ± 0.000** | **0.800 ± 0.000** | **0.900 ± 0.000** |");
    free(md);
    char *csv = read_text(dir, "tables/d_cc.csv");
    assert_contains(csv, "d,cc,m,0.2,0.80000000000000004,0,1,0,true,,,,0.1/0.3\n");
    free(csv);
    remove_dir(dir);
}

/* --methods better,base: robust_loss leaves every table, better comes
 * first and, with no baseline given, is the baseline, so base is tested
 * against it (the same p-values as the other way round). */
static void report_methods_filter_and_order(void **state)
{
    (void)state;
    char *dir = make_fixture();
    const char *methods[] = {"better", "base"};
    lnl_report_options options = {
        .alpha = 0.05, .skip_figures = true, .methods = methods, .n_methods = 2};
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    char *md = read_text(dir, "tables/d1_sym.md");
    const char *better = "| better (baseline) | **0.835 ± 0.021** | **0.705 ± 0.023** |\n";
    const char *base = "| base | 0.800 ± 0.014 † | 0.700 ± 0.014 (1 failed) |\n";
    assert_contains(md, better);
    assert_contains(md, base);
    assert_true(strstr(md, better) < strstr(md, base));
    assert_null(strstr(md, "robust_loss"));
    free(md);

    char *combined = read_text(dir, "tables/combined.csv");
    assert_null(strstr(combined, "robust_loss"));
    assert_contains(combined, "d1,pair,better,0.3,");
    free(combined);

    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "Numbers from `runs.csv` (29 runs, 1 failed, 1 earlier rows "
                             "replaced");
    assert_contains(summary, "Only the 2 methods chosen with `--methods` (of 3 in `runs.csv`) "
                             "are reported, in that order");
    assert_contains(summary, "baseline `better` (the first method of --methods)");
    assert_null(strstr(summary, "robust_loss"));
    free(summary);

    /* an explicit baseline keeps the listed order */
    options.baseline = "base";
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    md = read_text(dir, "tables/d1_sym.md");
    assert_contains(md, "| better | **0.835 ± 0.021** † | **0.705 ± 0.023** |\n");
    assert_true(strstr(md, "| better |") < strstr(md, "| base (baseline) |"));
    free(md);

    /* a manifest's baseline that the list leaves out gives way to the
     * first listed method, and the summary states it */
    write_text(dir, "manifest.json", "{\"baseline\": \"robust_loss\"}");
    options.baseline = NULL;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    summary = read_text(dir, "summary.md");
    assert_contains(summary, "baseline `better` (the first method of --methods, which leaves "
                             "out the baseline of manifest.json)");
    free(summary);
    remove_dir(dir);
}

static void report_methods_rejects_bad_lists(void **state)
{
    (void)state;
    char *dir = make_fixture();
    const char *unknown[] = {"better", "nope"}, *twice[] = {"base", "better", "base"};
    lnl_report_options options = {
        .alpha = 0.05, .skip_figures = true, .methods = unknown, .n_methods = 2};
    lnl_error err;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "unknown method \"nope\" in --methods: runs.csv has the "
                                     "methods base, better, robust_loss");
    assert_false(file_exists(dir, "summary.md"));

    options.methods = twice;
    options.n_methods = 3;
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "the method \"base\" is listed twice in --methods");

    options.n_methods = 2;
    options.baseline = "robust_loss";
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "the baseline \"robust_loss\" (chosen with --baseline) is "
                                     "not one of the methods chosen with --methods: base, "
                                     "better; add it to the list or choose one of them with "
                                     "--baseline NAME");
    assert_false(file_exists(dir, "summary.md"));
    remove_dir(dir);
}

/* The command line splits --methods at commas and prints the library's
 * message with the file. */
static void report_cli_methods(void **state)
{
    (void)state;
    char *dir = make_fixture();
    char *out = NULL, *errors = NULL;
    const char *unknown[] = {"report", dir, "--methods", "better, nope", "--no-figures", NULL};
    assert_int_equal(lnl_run(unknown, NULL, dir, &out, &errors), 2);
    char expected[1024];
    snprintf(expected, sizeof expected, "lnl: %s/runs.csv: unknown method \"nope\" in "
                                        "--methods: runs.csv has the methods base, better, "
                                        "robust_loss\n", dir);
    assert_string_equal(errors, expected);
    free(out);
    free(errors);

    const char *empty[] = {"report", dir, "--methods", "better,,base", NULL};
    assert_int_equal(lnl_run(empty, NULL, dir, &out, &errors), 2);
    assert_contains(errors, "invalid --methods \"better,,base\": expected method names "
                            "separated by commas");
    free(out);
    free(errors);

    const char *good[] = {"report", dir, "--methods", "better, base", NULL};
    assert_int_equal(lnl_run(good, NULL, dir, &out, &errors), 0);
    assert_contains(out, "| better (baseline) |");
    assert_null(strstr(out, "robust_loss"));
    assert_true(file_exists(dir, "figures/accuracy_d1_sym.png"));
    free(out);
    free(errors);
    remove_dir(dir);
}

/* ---- Figures -------------------------------------------------------------- */

/* Settings that share a mean rate become categories; plain rates stay
 * numbers. */
static void report_accuracy_axis_for_settings(void **state)
{
    (void)state;
    double x[3];
    char labels[3][LNL_NAME_MAX];
    const double shared[] = {0.2, 0.2, 0.4};
    const char *pairs[] = {"0.2/0.2", "0.3/0.1", "0.4/0.4"};
    assert_true(lnl_report_accuracy_axis(shared, pairs, 3, x, labels));
    for (int k = 0; k < 3; k++) {
        assert_true(x[k] == (double)k);
        assert_string_equal(labels[k], pairs[k]);
    }

    const double plain[] = {0.0, 0.1, 0.25};
    const char *none[] = {"", "", ""};
    assert_false(lnl_report_accuracy_axis(plain, none, 3, x, labels));
    for (int k = 0; k < 3; k++)
        assert_true(x[k] == plain[k]);
    assert_string_equal(labels[0], "0");
    assert_string_equal(labels[2], "0.25");

    /* a merged runs.csv may mix labelled and plain columns */
    const char *mixed[] = {"", "0.3/0.1"};
    assert_true(lnl_report_accuracy_axis(plain, mixed, 2, x, labels));
    assert_true(x[1] == 1.0);
    assert_string_equal(labels[0], "0");
    assert_string_equal(labels[1], "0.3/0.1");
}

/* The class_conditional figure plots the settings as categories, which
 * the summary's alternative text and the figure's size follow. */
static void report_setting_figure_is_categorical(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv",
               "dataset,noise,noise_type,rate,setting,seed,method,test_accuracy,status\n"
               "d,cc,class_conditional,0.2,0.2/0.2,0,m,0.9,ok\n"
               "d,cc,class_conditional,0.2,0.3/0.1,0,m,0.8,ok\n"
               "d,cc,class_conditional,0.4,0.4/0.4,0,m,0.7,ok\n"
               "d,sym,symmetric,0.2,,0,m,0.85,ok\n");
    lnl_error err;
    assert_int_equal(lnl_report_write(dir, &err), LNL_OK);
    assert_true(file_exists(dir, "figures/accuracy_d_cc.png"));
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "![test accuracy against noise setting](figures/accuracy_d_cc.png)");
    assert_contains(summary, "![test accuracy against noise rate](figures/accuracy_d_sym.png)");
    free(summary);
    remove_dir(dir);
}

static void report_writes_accuracy_figures(void **state)
{
    (void)state;
    char *dir = make_fixture();
    lnl_error err;
    assert_int_equal(lnl_report_write(dir, &err), LNL_OK);
    const char *names[] = {"figures/accuracy_d1_sym.pdf", "figures/accuracy_d1_sym.svg",
                           "figures/accuracy_d1_sym.png", "figures/accuracy_d1_pair.png"};
    for (int i = 0; i < 4; i++)
        assert_true(file_exists(dir, names[i]));
    char *png = read_text(dir, "figures/accuracy_d1_sym.png");
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "![test accuracy against noise rate](figures/accuracy_d1_sym.png)");
    free(summary);
    assert_false(file_exists(dir, "summary.md.tmp"));
    remove_dir(dir);
}

/* Counts the pixels of a PNG within 2 of the colour rgb in every channel. */
static size_t count_colour(const char *dir, const char *name, const double rgb[3])
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cairo_surface_t *image = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
    int width = cairo_image_surface_get_width(image);
    int height = cairo_image_surface_get_height(image);
    int stride = cairo_image_surface_get_stride(image);
    const unsigned char *data = cairo_image_surface_get_data(image);
    size_t count = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint32_t pixel;
            memcpy(&pixel, data + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
            int channels[3] = {(int)(pixel >> 16 & 0xff), (int)(pixel >> 8 & 0xff),
                               (int)(pixel & 0xff)};
            bool close = true;
            for (int c = 0; c < 3; c++)
                close &= abs(channels[c] - (int)lround(rgb[c] * 255.0)) <= 2;
            count += close;
        }
    cairo_surface_destroy(image);
    return count;
}

/* Two seeds of a loss-corrected method recorded the T they used:
 * (0.8 0.2; 0.4 0.6) and (0.6 0.4; 0.2 0.8), whose mean is
 * (0.7 0.3; 0.3 0.7). Their confusion counts (40 10; 5 45) and
 * (45 5; 10 40) sum to (85 15; 15 85), a realized T of
 * (0.85 0.15; 0.15 0.85). */
static void report_draws_transition_matrices(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_text(dir, "runs.csv",
               "dataset,noise,rate,seed,method,test_accuracy,status,confusion,transition_matrix\n"
               "d,sym,0.2,0,ce,0.8,ok,40 10;5 45,\n"
               "d,sym,0.2,0,fwd,0.9,ok,40 10;5 45,0.8 0.2;0.4 0.6\n"
               "d,sym,0.2,1,fwd,0.9,ok,45 5;10 40,0.6 0.4;0.2 0.8\n"
               "d,sym,0.2,2,fwd,0.9,failed,45 5;10 40,0.1 0.9;0.9 0.1\n");
    lnl_error err;
    assert_int_equal(lnl_report_write(dir, &err), LNL_OK);
    const char *png = "figures/transition_d_sym_0.2_fwd.png";
    assert_true(file_exists(dir, png));
    assert_true(file_exists(dir, "figures/transition_d_sym_0.2_fwd.svg"));
    assert_false(file_exists(dir, "figures/transition_d_sym_0.2_ce.png"));

    const double present[] = {0.7, 0.3, 0.85, 0.15}, absent[] = {0.8, 0.6, 0.9};
    for (int i = 0; i < 4; i++) {
        double rgb[3];
        lnl_figure_colormap(present[i], rgb);
        assert_true(count_colour(dir, png, rgb) > 3000);
    }
    for (int i = 0; i < 3; i++) {
        double rgb[3];
        lnl_figure_colormap(absent[i], rgb);
        assert_true(count_colour(dir, png, rgb) < 100);
    }
    char *summary = read_text(dir, "summary.md");
    assert_contains(summary, "[fwd 0.2](figures/transition_d_sym_0.2_fwd.png)");
    free(summary);

    /* a matrix that is not square names its line */
    write_text(dir, "runs.csv",
               "dataset,noise,rate,seed,method,test_accuracy,status,confusion,transition_matrix\n"
               "d,sym,0.2,0,fwd,0.9,ok,40 10;5 45,0.8 0.2;0.4\n");
    assert_int_equal(lnl_report_write(dir, &err), LNL_ERR_DATA);
    assert_int_equal(err.line, 2);
    remove_dir(dir);
}

/* ---- Manifest ------------------------------------------------------------- */

static const char config_text[] =
    "; a \"quoted\" comment\twith a tab\n"
    "[experiment]\nname = tiny\nseeds = 2\nbase_seed = 7\nbaseline = strong\n\n"
    "[data blobs]\nsource = make_classification\nn_samples = 120\nn_features = 4\n"
    "n_informative = 2\nn_redundant = 0\ntest_size = 0.25\n\n"
    "[noise symmetric]\ntype = symmetric\nrates = 0.0, 0.2\n\n"
    "[method weak]\nC = 0.01\n\n[method strong]\nC = 1.0\n";

static lnl_config *read_tiny_config(const char *dir, const char *output)
{
    char text[2048];
    snprintf(text, sizeof text, "%s", config_text);
    char *at = strstr(text, "base_seed = 7\n");
    assert_non_null(at);
    char rest[2048];
    snprintf(rest, sizeof rest, "%s", at);
    snprintf(at, sizeof text - (size_t)(at - text), "output = %s\n%s", output, rest);
    write_text(dir, "tiny.ini", text);

    char path[512];
    snprintf(path, sizeof path, "%s/tiny.ini", dir);
    lnl_config *config = NULL;
    lnl_error err;
    if (lnl_config_read(path, &config, &err) != LNL_OK)
        fail_msg("%s", err.message);
    return config;
}

static void manifest_round_trips_config_text(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    lnl_config *config = read_tiny_config(dir, dir);
    char *argv[] = {"lnl", "run", "tiny \"quoted\".ini", NULL};
    lnl_manifest_set_invocation(3, argv);
    lnl_error err;
    assert_int_equal(lnl_manifest_write(dir, config, &err), LNL_OK);

    char *original = read_text(dir, "tiny.ini");
    char value[4096];
    bool found;
    assert_int_equal(lnl_manifest_read_string(dir, "config_text", value, sizeof value, &found,
                                              &err), LNL_OK);
    assert_true(found);
    assert_string_equal(value, original);
    assert_int_equal(lnl_manifest_read_string(dir, "baseline", value, sizeof value, &found, &err),
                     LNL_OK);
    assert_string_equal(value, "strong");
    assert_int_equal(lnl_manifest_read_string(dir, "lnl_version", value, sizeof value, &found,
                                              &err), LNL_OK);
    assert_string_equal(value, LNL_VERSION);
    assert_int_equal(lnl_manifest_read_string(dir, "seeds", value, sizeof value, &found, &err),
                     LNL_OK);
    assert_false(found);

    char *json = read_text(dir, "manifest.json");
    assert_contains(json, "\"command_line\": [\"lnl\", \"run\", \"tiny \\\"quoted\\\".ini\"]");
    assert_contains(json, "\"base_seed\": 7,\n  \"seeds\": 2,");
    assert_contains(json, "\"blas\": {\"library\": \"OpenBLAS");
    assert_contains(json, "\"start_time\": \"20");
    assert_contains(json, "\\t");
    free(json);
    free(original);

    /* too small a buffer is an error, not a silent cut */
    assert_int_equal(lnl_manifest_read_string(dir, "config_text", value, 10, &found, &err),
                     LNL_ERR_DATA);
    lnl_config_destroy(config);
    remove_dir(dir);
}

static void manifest_reader_handles_json(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char value[64];
    bool found = true;
    lnl_error err;
    assert_int_equal(lnl_manifest_read_string(dir, "baseline", value, sizeof value, &found, &err),
                     LNL_OK);
    assert_false(found);

    write_text(dir, "manifest.json",
               "{ \"a\": [1, {\"baseline\": \"inner\"}, null, true, -2.5e3],\n"
               "  \"baseline\" : \"caf\\u00e9 \\ud83d\\ude00 \\\"x\\\"\" }");
    assert_int_equal(lnl_manifest_read_string(dir, "baseline", value, sizeof value, &found, &err),
                     LNL_OK);
    assert_true(found);
    assert_string_equal(value, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"x\"");

    write_text(dir, "manifest.json", "[\"baseline\"]");
    assert_int_equal(lnl_manifest_read_string(dir, "baseline", value, sizeof value, &found, &err),
                     LNL_ERR_DATA);
    write_text(dir, "manifest.json", "{\"a\": {\"b\": }, \"baseline\": \"m\"}");
    assert_int_equal(lnl_manifest_read_string(dir, "baseline", value, sizeof value, &found, &err),
                     LNL_ERR_DATA);
    assert_false(found);
    remove_dir(dir);
}

static void json_string_escapes(void **state)
{
    (void)state;
    char *buffer = NULL;
    size_t size = 0;
    FILE *file = open_memstream(&buffer, &size);
    assert_non_null(file);
    lnl_json_write_string(file, "a\"b\\c\n\x01\xff\xc3\xa9");
    fputc(' ', file);
    lnl_json_write_string(file, NULL);
    fputc(' ', file);
    lnl_json_write_number(file, NAN);
    fputc(' ', file);
    lnl_json_write_number(file, 0.1);
    fclose(file);
    assert_string_equal(buffer, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\" null null "
                                "0.10000000000000001");
    free(buffer);
}

/* ---- The sweep and plot-data ----------------------------------------------- */

static void sweep_writes_manifest_and_report(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char output[512];
    snprintf(output, sizeof output, "%s/out", dir);
    lnl_config *config = read_tiny_config(dir, output);
    lnl_sweep_options options;
    memset(&options, 0, sizeof options);
    options.jobs = 2;
    lnl_sweep_summary summary;
    lnl_error err;
    if (lnl_sweep_run(config, &options, &summary, &err) != LNL_OK)
        fail_msg("%s", err.message);

    char value[64];
    bool found;
    assert_int_equal(lnl_manifest_read_string(output, "baseline", value, sizeof value, &found,
                                              &err), LNL_OK);
    assert_true(found);
    assert_string_equal(value, "strong");
    char *summary_md = read_text(output, "summary.md");
    assert_non_null(summary_md);
    assert_contains(summary_md, "baseline `strong` (from manifest.json)");
    assert_contains(summary_md, "| weak |");
    free(summary_md);
    assert_true(file_exists(output, "tables/combined.tex"));
    assert_true(file_exists(output, "figures/accuracy_blobs_symmetric.svg"));
    lnl_config_destroy(config);
    remove_dir(dir);
}

static void plot_data_writes_nine_figures(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    lnl_config *config = read_tiny_config(dir, dir);
    char folder[512], stem[256];
    snprintf(folder, sizeof folder, "%s/figures/data", dir);
    lnl_error err;
    if (lnl_report_plot_data(config, &config->data[0], &config->noise[0], 0.2, NULL, 1, folder,
                             stem, sizeof stem, &err) != LNL_OK)
        fail_msg("%s", err.message);
    assert_string_equal(stem, "blobs_symmetric_0.2_seed1");

    const char *kinds[] = {"scatter_clean", "scatter_noisy", "transition"};
    const char *extensions[] = {"pdf", "svg", "png"};
    for (int k = 0; k < 3; k++)
        for (int e = 0; e < 3; e++) {
            char name[512];
            snprintf(name, sizeof name, "figures/data/%s_%s.%s", kinds[k], stem, extensions[e]);
            assert_true(file_exists(dir, name));
        }
    char *svg = read_text(dir, "figures/data/scatter_noisy_blobs_symmetric_0.2_seed1.svg");
    assert_contains(svg, "<svg");
    free(svg);
    lnl_config_destroy(config);
    remove_dir(dir);
}

/* Two data sets, one generated (classes named 0 and 1) and one read from
 * named.csv (classes benign and malignant), class_conditional noise whose
 * settings 0.2/0.2 and 0.3/0.1 share the mean rate 0.2, and symmetric
 * noise. */
static const char cc_config_text[] =
    "[experiment]\nname = cc\nseeds = 2\nbase_seed = 3\noutput = %s/out\n\n"
    "[data blobs]\nsource = make_classification\nn_samples = 120\nn_features = 2\n"
    "n_informative = 2\nn_redundant = 0\ntest_size = 0.25\n\n"
    "[data named]\nsource = csv\npath = %s/named.csv\nlabel = diagnosis\ntest_size = 0.25\n\n"
    "[noise cc]\ntype = class_conditional\npairs = 0.2/0.2, 0.3/0.1, 0.4/0.4\n\n"
    "[noise symmetric]\ntype = symmetric\nrates = 0.0, 0.2\n\n"
    "[method m]\n";

/* Writes dir/named.csv and dir/cc.ini and reads the config; *cc_line
 * receives the line of [noise cc]. */
static lnl_config *read_cc_config(const char *dir, long *cc_line)
{
    char *csv = malloc(64 * 40 + 32);
    assert_non_null(csv);
    strcpy(csv, "x1,x2,diagnosis\n");
    for (int i = 0; i < 40; i++) {
        char row[64];
        snprintf(row, sizeof row, "%d.5,%d,%s\n", i, i % 7, i % 2 ? "malignant" : "benign");
        strcat(csv, row);
    }
    write_text(dir, "named.csv", csv);
    free(csv);

    char text[2048];
    snprintf(text, sizeof text, cc_config_text, dir, dir);
    write_text(dir, "cc.ini", text);
    *cc_line = 1;
    for (const char *p = text; p < strstr(text, "[noise cc]"); p++)
        *cc_line += *p == '\n';

    char path[512];
    snprintf(path, sizeof path, "%s/cc.ini", dir);
    lnl_config *config = NULL;
    lnl_error err;
    if (lnl_config_read(path, &config, &err) != LNL_OK)
        fail_msg("%s", err.message);
    return config;
}

/* The label 0.3/0.1 chooses that pair: T flips 0.3 of the positive class
 * (class 1) and 0.1 of the negative one. Exact sampling splits each class
 * by the largest-remainder method, so it flips the nearest integers to
 * 0.3 n+ and 0.1 n- labels. */
static void cell_labels_setting_chooses_pair(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    long cc_line;
    lnl_config *config = read_cc_config(dir, &cc_line);
    const lnl_noise_spec *cc = &config->noise[0];
    lnl_dataset *dataset = NULL;
    lnl_error err;
    assert_int_equal(lnl_data_load(config, &config->data[0], &dataset, &err), LNL_OK);

    size_t n_train, *train;
    int *clean, *noisy;
    double *T;
    assert_int_equal(lnl_cell_labels(config, dataset, &config->data[0], cc, 0.0, "0.3/0.1", 0,
                                     &n_train, &train, &clean, &noisy, &T, &err), LNL_OK);
    assert_close(T[0], 0.9, 1e-15);
    assert_close(T[1], 0.1, 1e-15);
    assert_close(T[2], 0.3, 1e-15);
    assert_close(T[3], 0.7, 1e-15);
    size_t positives = 0, negatives = 0, flipped_positives = 0, flipped_negatives = 0;
    for (size_t i = 0; i < n_train; i++) {
        positives += clean[i] == 1;
        negatives += clean[i] == 0;
        flipped_positives += clean[i] == 1 && noisy[i] == 0;
        flipped_negatives += clean[i] == 0 && noisy[i] == 1;
    }
    assert_close((double)flipped_positives, 0.3 * (double)positives, 0.5);
    assert_close((double)flipped_negatives, 0.1 * (double)negatives, 0.5);
    free(train);
    free(clean);
    free(noisy);
    free(T);

    /* the same text with other digits names the same pair */
    size_t index = 9;
    assert_int_equal(lnl_cell_find_setting(config, cc, 0.0, "0.30/0.10", &index, &err), LNL_OK);
    assert_int_equal(index, 1);
    assert_int_equal(lnl_cell_find_setting(config, cc, 0.4, NULL, &index, &err), LNL_OK);
    assert_int_equal(index, 2);

    /* a rate shared by two pairs is ambiguous */
    assert_int_equal(lnl_cell_labels(config, dataset, &config->data[0], cc, 0.2, NULL, 0,
                                     &n_train, &train, &clean, &noisy, &T, &err),
                     LNL_ERR_ARGUMENT);
    assert_null(train);
    assert_int_equal(err.line, cc_line);
    assert_string_equal(err.message, "rate 0.2 is the mean of 2 settings of [noise cc]: "
                                     "0.2/0.2, 0.3/0.1; choose one with --setting");

    assert_int_equal(lnl_cell_find_setting(config, cc, 0.0, "0.5/0.5", &index, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "unknown setting \"0.5/0.5\": expected one of the pairs "
                                     "rho_pos/rho_neg of [noise cc]: 0.2/0.2, 0.3/0.1, 0.4/0.4");
    assert_int_equal(lnl_cell_find_setting(config, cc, 0.0, "0.3-0.1", &index, &err),
                     LNL_ERR_ARGUMENT);
    assert_contains(err.message, "invalid setting \"0.3-0.1\"");
    assert_int_equal(lnl_cell_find_setting(config, cc, 0.25, NULL, &index, &err),
                     LNL_ERR_CONFIG);
    assert_contains(err.message, "rate 0.25 is not the mean of any pair in [noise cc]");
    assert_int_equal(lnl_cell_find_setting(config, &config->noise[1], 0.0, "0.2", &index, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "setting \"0.2\": [noise symmetric] is symmetric noise, "
                                     "whose settings have no labels; choose one by its rate "
                                     "(0, 0.2)");
    lnl_dataset_destroy(dataset);
    lnl_config_destroy(config);
    remove_dir(dir);
}

/* plot-data names its files by the setting, so 0.2/0.2 and 0.3/0.1 do
 * not overwrite each other. */
static void plot_data_names_files_by_setting(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    long cc_line;
    lnl_config *config = read_cc_config(dir, &cc_line);
    char folder[512], stem[256];
    snprintf(folder, sizeof folder, "%s/figures", dir);
    lnl_error err;
    assert_int_equal(lnl_report_plot_data(config, &config->data[0], &config->noise[0], 0.0,
                                          "0.3/0.1", 0, folder, stem, sizeof stem, &err), LNL_OK);
    assert_string_equal(stem, "blobs_cc_0.3_0.1_seed0");
    assert_true(file_exists(dir, "figures/transition_blobs_cc_0.3_0.1_seed0.png"));
    assert_int_equal(lnl_report_plot_data(config, &config->data[0], &config->noise[0], 0.4, NULL,
                                          1, folder, stem, sizeof stem, &err), LNL_OK);
    assert_string_equal(stem, "blobs_cc_0.4_0.4_seed1");
    assert_int_equal(lnl_report_plot_data(config, &config->data[0], &config->noise[0], 0.2, NULL,
                                          0, folder, stem, sizeof stem, &err), LNL_ERR_ARGUMENT);
    assert_contains(err.message, "choose one with --setting");
    lnl_config_destroy(config);
    remove_dir(dir);
}

/* The heat maps of plot-data number the classes as those of the report
 * do. For named classes a caption line gives the names, which makes the
 * figure 2 x (14 + 6) pixels taller than for classes named 0 and 1. */
static void plot_data_heatmap_caption_names_classes(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    long cc_line;
    lnl_config *config = read_cc_config(dir, &cc_line);
    char folder[512], stem[256], path[1024];
    snprintf(folder, sizeof folder, "%s/figures", dir);
    lnl_error err;
    const lnl_noise_spec *symmetric = &config->noise[1];
    assert_int_equal(lnl_report_plot_data(config, &config->data[0], symmetric, 0.2, NULL, 0,
                                          folder, stem, sizeof stem, &err), LNL_OK);
    assert_int_equal(lnl_report_plot_data(config, &config->data[1], symmetric, 0.2, NULL, 0,
                                          folder, stem, sizeof stem, &err), LNL_OK);
    assert_string_equal(stem, "named_symmetric_0.2_seed0");

    int heights[2];
    const char *names[] = {"transition_blobs_symmetric_0.2_seed0.png",
                           "transition_named_symmetric_0.2_seed0.png"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/figures/%s", dir, names[i]);
        cairo_surface_t *image = cairo_image_surface_create_from_png(path);
        assert_int_equal(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
        heights[i] = cairo_image_surface_get_height(image);
        cairo_surface_destroy(image);
    }
    assert_int_equal(heights[1], heights[0] + 2 * (14 + 6));
    lnl_config_destroy(config);
    remove_dir(dir);
}

/* `lnl plot-data` and `lnl corrupt` take --setting, reject it beside
 * --rate, and name the ambiguous settings of a shared rate. */
static void cli_setting_option(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    long cc_line;
    lnl_config *config = read_cc_config(dir, &cc_line);
    lnl_config_destroy(config);
    char ini[512], expected[1024];
    snprintf(ini, sizeof ini, "%s/cc.ini", dir);
    char *out = NULL, *errors = NULL;

    const char *ambiguous[] = {"plot-data", ini, "--noise", "cc", "--rate", "0.2", NULL};
    assert_int_equal(lnl_run(ambiguous, NULL, dir, &out, &errors), 2);
    snprintf(expected, sizeof expected, "lnl: %s:%ld: rate 0.2 is the mean of 2 settings of "
                                        "[noise cc]: 0.2/0.2, 0.3/0.1; choose one with "
                                        "--setting\n", ini, cc_line);
    assert_string_equal(errors, expected);
    free(out);
    free(errors);

    const char *both[] = {"corrupt", ini, "--noise", "cc", "--rate", "0.2", "--setting",
                          "0.3/0.1", NULL};
    assert_int_equal(lnl_run(both, NULL, dir, &out, &errors), 2);
    assert_string_equal(errors, "lnl corrupt: --rate and --setting both choose the noise "
                                "setting; give only one\n");
    free(out);
    free(errors);

    const char *plot[] = {"plot-data", ini, "--noise", "cc", "--setting", "0.3/0.1", NULL};
    assert_int_equal(lnl_run(plot, NULL, dir, &out, &errors), 0);
    assert_true(file_exists(dir, "out/figures/scatter_noisy_blobs_cc_0.3_0.1_seed0.png"));
    free(out);
    free(errors);

    const char *corrupt[] = {"corrupt", ini, "--noise", "cc", "--setting", "0.3/0.1", NULL};
    assert_int_equal(lnl_run(corrupt, NULL, dir, &out, &errors), 0);
    assert_true(file_exists(dir, "out/corrupt/blobs_cc_0.3_0.1_seed0.csv"));
    free(out);
    free(errors);

    /* without --rate or --setting the first setting above 0 is taken,
     * even when its rate is shared */
    const char *first[] = {"corrupt", ini, "--noise", "cc", NULL};
    assert_int_equal(lnl_run(first, NULL, dir, &out, &errors), 0);
    assert_true(file_exists(dir, "out/corrupt/blobs_cc_0.2_0.2_seed0.csv"));
    free(out);
    free(errors);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_csv_means_and_p_values),
        cmocka_unit_test(report_markdown_bold_and_dagger),
        cmocka_unit_test(report_latex_booktabs),
        cmocka_unit_test(report_json_has_test_details),
        cmocka_unit_test(report_baseline_from_manifest),
        cmocka_unit_test(report_unknown_baseline_rejected),
        cmocka_unit_test(report_alpha_changes_marks),
        cmocka_unit_test(report_skips_cut_last_line),
        cmocka_unit_test(report_rejects_bad_content),
        cmocka_unit_test(report_header_only_runs),
        cmocka_unit_test(report_without_seed_column_has_no_tests),
        cmocka_unit_test(report_setting_labels_split_columns),
        cmocka_unit_test(report_methods_filter_and_order),
        cmocka_unit_test(report_methods_rejects_bad_lists),
        cmocka_unit_test(report_cli_methods),
        cmocka_unit_test(report_accuracy_axis_for_settings),
        cmocka_unit_test(report_setting_figure_is_categorical),
        cmocka_unit_test(report_writes_accuracy_figures),
        cmocka_unit_test(report_draws_transition_matrices),
        cmocka_unit_test(manifest_round_trips_config_text),
        cmocka_unit_test(manifest_reader_handles_json),
        cmocka_unit_test(json_string_escapes),
        cmocka_unit_test(sweep_writes_manifest_and_report),
        cmocka_unit_test(plot_data_writes_nine_figures),
        cmocka_unit_test(cell_labels_setting_chooses_pair),
        cmocka_unit_test(plot_data_names_files_by_setting),
        cmocka_unit_test(plot_data_heatmap_caption_names_classes),
        cmocka_unit_test(cli_setting_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
