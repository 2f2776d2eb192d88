/* libFuzzer target: the INI config reader, lnl_config_read.
 * On success the parsed config must keep the promises of lnl/config.h. */
#define _GNU_SOURCE  /* memfd_create */

#include <math.h>
#include <string.h>

#include "fuzz_input.h"
#include "lnl/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    fuzz_input_file(data, size, path);

    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_config_read(path, &config, &err);
    if (status != LNL_OK) {
        FUZZ_CHECK(config == NULL);
        FUZZ_CHECK(err.status == status);
        FUZZ_CHECK(err.message[0] != '\0');
        FUZZ_CHECK(strlen(err.message) < sizeof err.message);
        return 0;
    }

    FUZZ_CHECK(config != NULL);
    FUZZ_CHECK(config->n_data >= 1 && config->n_noise >= 1 && config->n_methods >= 1);
    FUZZ_CHECK(config->seeds >= 1);
    for (size_t n = 0; n < config->n_noise; n++) {
        const lnl_noise_spec *noise = &config->noise[n];
        FUZZ_CHECK(noise->n_rates >= 1 && noise->n_rates <= LNL_MAX_RATES);
        for (size_t r = 0; r < noise->n_rates; r++)
            FUZZ_CHECK(noise->rates[r] >= 0.0 && noise->rates[r] <= 1.0);
    }
    for (size_t m = 0; m < config->n_methods; m++) {
        FUZZ_CHECK(config->methods[m].C > 0.0 && isfinite(config->methods[m].C));
        FUZZ_CHECK(config->methods[m].max_iter >= 1);
    }
    lnl_config_destroy(config);
    return 0;
}
