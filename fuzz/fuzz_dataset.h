/* Checks that the readers' data sets keep the contract of lnl/dataset.h. */
#ifndef LNL_FUZZ_DATASET_H
#define LNL_FUZZ_DATASET_H

#include <math.h>
#include <string.h>

#include "fuzz_input.h"
#include "lnl/dataset.h"

/* Checks a reader's result. On success it must be a data set with at
 * least 2 classes, labels in range, finite values and names. On failure
 * there must be no data set, and an error message. */
static void fuzz_check_read(lnl_status status, const lnl_dataset *data, const lnl_error *err)
{
    if (status != LNL_OK) {
        FUZZ_CHECK(data == NULL);
        FUZZ_CHECK(err->status == status);
        FUZZ_CHECK(err->message[0] != '\0');
        return;
    }
    FUZZ_CHECK(data != NULL);
    FUZZ_CHECK(data->n_rows >= 1);
    FUZZ_CHECK(data->n_features >= 1);
    FUZZ_CHECK(data->n_classes >= 2);
    for (size_t i = 0; i < data->n_rows; i++) {
        FUZZ_CHECK(data->y[i] >= 0 && (size_t)data->y[i] < data->n_classes);
        for (size_t j = 0; j < data->n_features; j++)
            FUZZ_CHECK(isfinite(data->X[i * data->n_features + j]));
    }
    for (size_t k = 0; k < data->n_classes; k++)
        FUZZ_CHECK(data->class_names[k] != NULL && data->class_names[k][0] != '\0');
    for (size_t j = 0; j < data->n_features; j++)
        FUZZ_CHECK(data->feature_names[j] != NULL);
}

#endif
