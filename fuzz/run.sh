#!/usr/bin/env bash
# Builds the libFuzzer targets (the INI, CSV and LIBSVM readers) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, then runs each one.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS is the time per target (default 60); TARGET is config, csv or
# libsvm (default: all three). Needs clang and libclang-rt-14-dev (Debian
# 12). New inputs go to build-fuzz/corpus/TARGET, so the seeds under
# fuzz/corpus stay as committed. A crashing input is saved as
# build-fuzz/crash-TARGET-*, and the script then exits with status 1.
set -euo pipefail

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(config csv libsvm)
fi

root=$(cd "$(dirname "$0")/.." && pwd)
build=${LNL_FUZZ_BUILD:-$root/build-fuzz}
sanitizers=address,undefined

# the library, instrumented for coverage but not linked with the fuzzer's main
if [ ! -d "$build" ]; then
    CC=clang meson setup "$build" "$root" -Dtests=disabled -Dbuildtype=debugoptimized \
        -Db_sanitize=$sanitizers -Db_lundef=false \
        -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
fi
ninja -C "$build" liblnl.a

libraries=$(pkg-config --libs openblas lapacke inih)
for target in "${targets[@]}"; do
    clang -std=c11 -g -O1 -fsanitize=fuzzer,$sanitizers -fno-sanitize-recover=undefined \
        -I"$root/include" "$root/fuzz/fuzz_$target.c" "$build/liblnl.a" \
        $libraries -lm -lpthread -o "$build/fuzz_$target"
done

# A huge allocation fails with NULL, as in a normal build, so the readers'
# out-of-memory paths run instead of the sanitizer stopping at the request.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
for target in "${targets[@]}"; do
    mkdir -p "$build/corpus/$target"
    echo "fuzz_$target: $seconds s"
    "$build/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$build/crash-$target-" \
        "$build/corpus/$target" "$root/fuzz/corpus/$target" || status=1
done
exit $status
