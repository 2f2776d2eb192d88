/* libFuzzer target: the CSV reader, lnl_csv_read, with the last column as
 * the label. */
#define _GNU_SOURCE  /* memfd_create */

#include "fuzz_dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    fuzz_input_file(data, size, path);

    lnl_dataset *dataset = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_csv_options options = {NULL};
    lnl_status status = lnl_csv_read(path, &options, &dataset, &err);
    fuzz_check_read(status, dataset, &err);
    lnl_dataset_destroy(dataset);
    return 0;
}
