/* Shared by the fuzz targets: hands a fuzzer input to a reader that takes a
 * path. The bytes go into an in-memory file (memfd_create, Linux 3.17 and
 * later), read back through /proc/self/fd/N, so the reader runs its real
 * file code, including the checks for NUL bytes and failed reads. */
#ifndef LNL_FUZZ_INPUT_H
#define LNL_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Stops the fuzzer with a crash report when a reader breaks its contract. */
#define FUZZ_CHECK(condition)                                                       \
    do {                                                                            \
        if (!(condition)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* Replaces the content of the in-memory file with data and writes its
 * path into path (32 bytes). */
static void fuzz_input_file(const uint8_t *data, size_t size, char *path)
{
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("lnl-fuzz-input", 0);
        FUZZ_CHECK(fd >= 0);
    }
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    size_t written = 0;
    while (written < size) {
        ssize_t n = pwrite(fd, data + written, size - written, (off_t)written);
        FUZZ_CHECK(n > 0);
        written += (size_t)n;
    }
    snprintf(path, 32, "/proc/self/fd/%d", fd);
}

#endif
