#include "lnl/dataset.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dataset_io.h"

/* Allocates count names "<prefix>0", "<prefix>1", ...; NULL when memory runs out. */
static char **create_default_names(const char *prefix, size_t count)
{
    char **names = calloc(count > 0 ? count : 1, sizeof *names);
    if (names == NULL)
        return NULL;

    for (size_t i = 0; i < count; i++) {
        char buffer[64];
        snprintf(buffer, sizeof buffer, "%s%zu", prefix, i);
        names[i] = dataset_io_copy_string(buffer);
        if (names[i] == NULL) {
            dataset_io_free_names(names, i);
            return NULL;
        }
    }
    return names;
}

lnl_dataset *lnl_dataset_create(size_t n_rows, size_t n_features, size_t n_classes)
{
    if (n_features > 0 && n_rows > SIZE_MAX / sizeof(double) / n_features)
        return NULL;

    lnl_dataset *data = calloc(1, sizeof *data);
    if (data == NULL)
        return NULL;
    data->n_rows = n_rows;
    data->n_features = n_features;
    data->n_classes = n_classes;

    /* Zero-sized parts still get a valid pointer, so callers never see NULL fields. */
    size_t n_values = n_rows * n_features;
    data->X = calloc(n_values > 0 ? n_values : 1, sizeof *data->X);
    data->y = calloc(n_rows > 0 ? n_rows : 1, sizeof *data->y);
    data->class_names = create_default_names("", n_classes);
    data->feature_names = create_default_names("x", n_features);
    if (data->X == NULL || data->y == NULL || data->class_names == NULL
        || data->feature_names == NULL) {
        lnl_dataset_destroy(data);
        return NULL;
    }
    return data;
}

void lnl_dataset_destroy(lnl_dataset *data)
{
    if (data == NULL)
        return;
    free(data->X);
    free(data->y);
    dataset_io_free_names(data->class_names, data->n_classes);
    dataset_io_free_names(data->feature_names, data->n_features);
    free(data);
}

static lnl_status replace_name(char **names, size_t count, size_t index, const char *name)
{
    if (names == NULL || name == NULL || index >= count)
        return LNL_ERR_ARGUMENT;

    char *copy = dataset_io_copy_string(name);
    if (copy == NULL)
        return LNL_ERR_NOMEM;
    free(names[index]);
    names[index] = copy;
    return LNL_OK;
}

lnl_status lnl_dataset_set_class_name(lnl_dataset *data, size_t k, const char *name)
{
    if (data == NULL)
        return LNL_ERR_ARGUMENT;
    return replace_name(data->class_names, data->n_classes, k, name);
}

lnl_status lnl_dataset_set_feature_name(lnl_dataset *data, size_t j, const char *name)
{
    if (data == NULL)
        return LNL_ERR_ARGUMENT;
    return replace_name(data->feature_names, data->n_features, j, name);
}

void lnl_dataset_class_counts(const lnl_dataset *data, size_t *counts)
{
    for (size_t k = 0; k < data->n_classes; k++)
        counts[k] = 0;
    for (size_t i = 0; i < data->n_rows; i++) {
        int label = data->y[i];
        if (label >= 0 && (size_t)label < data->n_classes)
            counts[label]++;
    }
}
