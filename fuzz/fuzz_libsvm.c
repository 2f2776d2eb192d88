/* libFuzzer target: the LIBSVM reader, lnl_libsvm_read, with the number of
 * features taken from the file. */
#define _GNU_SOURCE  /* memfd_create */

#include <stdbool.h>

#include "fuzz_dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when the input has a feature index of 7 or more digits. The reader
 * allocates and names every column up to the largest index, so such an
 * input costs memory and time in proportion to the index, not to its
 * size. lnl_libsvm_read rejects a matrix larger than the machine's memory
 * (test_bad_inputs covers a huge index), and up to that the cost is the
 * expected one, so the fuzzer spends its time on the parser instead. */
static bool has_large_index(const uint8_t *data, size_t size)
{
    size_t digits = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] >= '0' && data[i] <= '9') {
            digits++;
            continue;
        }
        if (data[i] == ':' && digits >= 7)
            return true;
        digits = 0;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (has_large_index(data, size))
        return 0;
    char path[32];
    fuzz_input_file(data, size, path);

    lnl_dataset *dataset = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_libsvm_read(path, 0, &dataset, &err);
    fuzz_check_read(status, dataset, &err);
    lnl_dataset_destroy(dataset);
    return 0;
}
