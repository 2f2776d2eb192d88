/* The article's story end to end in numpy mode: configs/article.ini must give
 * the test accuracies of scikit-learn's default LogisticRegression on the
 * Python recipe (make_classification and train_test_split with
 * random_state=42, np.random.seed(42) and choice for the flipped labels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/config.h"
#include "lnl/sweep.h"

/* Accuracies printed by the Python recipe with scikit-learn 1.2.1,
 * LogisticRegression(tol=1e-10, max_iter=10000), at rates 0.0 to 0.45. */
static const double article_rates[] = {0.0, 0.1, 0.2, 0.3, 0.4, 0.45};
static const double article_accuracies[] = {0.900, 0.900, 0.885, 0.840, 0.855, 0.795};

/* Finds the test_accuracy of the run with this method and rate in runs.csv. */
static double find_accuracy(const char *runs_path, const char *method, double rate)
{
    FILE *file = fopen(runs_path, "r");
    assert_non_null(file);
    char line[4096];
    double accuracy = -1.0;
    assert_non_null(fgets(line, sizeof line, file));  /* header */

    while (fgets(line, sizeof line, file) != NULL) {
        /* Columns: dataset,noise,noise_type,sampling,rate,seed,method,loss,labels,
         * n_train,n_test,realized_rate,test_accuracy,... */
        char *fields[13] = {NULL};
        fields[0] = line;
        for (int i = 1; i < 13 && fields[i - 1] != NULL; i++) {
            char *comma = strchr(fields[i - 1], ',');
            if (comma != NULL)
                *comma = '\0';
            fields[i] = comma != NULL ? comma + 1 : NULL;
        }
        if (fields[12] == NULL)
            continue;
        if (strcmp(fields[6], method) == 0 && strtod(fields[4], NULL) == rate)
            accuracy = strtod(fields[12], NULL);
    }
    fclose(file);
    return accuracy;
}

static void article_numpy_mode_matches_python(void **state)
{
    (void)state;
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_config_read(LNL_SOURCE_DIR "/configs/article.ini", &config, &err),
                     LNL_OK);
    assert_int_equal(config->rng, LNL_RNG_NUMPY);

    char output[] = "/tmp/lnl-test-article-XXXXXX";
    assert_non_null(mkdtemp(output));
    lnl_sweep_options options = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    assert_int_equal(lnl_sweep_run(config, &options, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_failed, 0);
    assert_int_equal(summary.n_not_converged, 0);

    char runs_path[512];
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", output);
    for (size_t r = 0; r < sizeof article_rates / sizeof article_rates[0]; r++) {
        double noisy = find_accuracy(runs_path, "noisy_labels", article_rates[r]);
        double clean = find_accuracy(runs_path, "clean_labels", article_rates[r]);
        /* 200 test rows: one prediction is 0.005, so 1e-9 means identical. */
        assert_float_equal(noisy, article_accuracies[r], 1e-9);
        assert_float_equal(clean, 0.900, 1e-9);
    }

    char command[1024];
    snprintf(command, sizeof command, "rm -rf '%s'", output);
    assert_int_equal(system(command), 0);
    lnl_config_destroy(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(article_numpy_mode_matches_python),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
