/* Loads the data sections of a config as `lnl run` does, then exits, so
 * that /usr/bin/time -v reports the peak memory of the data alone for
 * comparison with the peak of the whole sweep.
 *
 * usage: bench_data CONFIG
 * Prints one line per data section: "data NAME rows=... features=...
 * classes=... bytes=...", where bytes counts X (8 bytes per entry) and the
 * labels (one int each). Not a test.
 */
#include <stdio.h>

#include "lnl/config.h"
#include "lnl/dataset.h"
#include "lnl/sweep.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_data CONFIG\n");
        return 2;
    }
    lnl_error err;
    lnl_error_clear(&err);
    lnl_config *config = NULL;
    if (lnl_config_read(argv[1], &config, &err) != LNL_OK) {
        char message[LNL_ERROR_MESSAGE_MAX + LNL_ERROR_FILE_MAX + 32];
        lnl_error_format(&err, message, sizeof message);
        fprintf(stderr, "bench_data: %s\n", message);
        return 2;
    }

    /* Every data set stays loaded to the end, as during a sweep. */
    lnl_dataset *datasets[LNL_MAX_SECTIONS] = {NULL};
    int exit_code = 0;
    for (size_t d = 0; d < config->n_data; d++) {
        if (lnl_data_load(config, &config->data[d], &datasets[d], &err) != LNL_OK) {
            fprintf(stderr, "bench_data: [data %s]: %s\n", config->data[d].name, err.message);
            exit_code = 1;
            break;
        }
        const lnl_dataset *data = datasets[d];
        size_t bytes = data->n_rows * data->n_features * sizeof(double) +
                       data->n_rows * sizeof(int);
        printf("data %s rows=%zu features=%zu classes=%zu bytes=%zu\n", config->data[d].name,
               data->n_rows, data->n_features, data->n_classes, bytes);
    }

    for (size_t d = 0; d < config->n_data; d++)
        lnl_dataset_destroy(datasets[d]);
    lnl_config_destroy(config);
    return exit_code;
}
