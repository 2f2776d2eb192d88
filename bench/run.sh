#!/usr/bin/env bash
# Runs every benchmark of bench/ in one go and writes bench/REPORT.md.
#
# usage: bench/run.sh
# environment: LNL_BENCH_BUILD  release build folder (default: build-bench)
#              LNL_BENCH_WORK   folder for generated data and outputs
#                               (default: /tmp/lnl-bench, about 700 MB)
#
# Needs meson, ninja, /usr/bin/time, liblinear-train and /usr/bin/python3
# with numpy, scipy and scikit-learn. Takes 4 to 10 minutes on 2 cores.
# The benchmarks are not tests: their numbers depend on the machine and on
# what else runs on it. Each section first waits (at most 30 s) for a
# second in which the CPUs are at least 90% idle. A section during which
# other processes took over 10% of the CPUs runs once more, and the report
# shows how much they took.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${LNL_BENCH_BUILD:-$root/build-bench}
work=${LNL_BENCH_WORK:-/tmp/lnl-bench}
python=/usr/bin/python3
cd "$root"
if [ -e "$work" ] && [ ! -e "$work/.lnl-bench" ]; then
    echo "bench: $work exists and was not made by bench/run.sh;" \
        "remove it or set LNL_BENCH_WORK" >&2
    exit 2
fi
rm -rf "$work"
mkdir -p "$work"
touch "$work/.lnl-bench"
start_seconds=$(date +%s)
cores=$(nproc)

# Prints the busy clock ticks of all CPUs, then those used by this script
# and its finished children (fields 14 to 17 of /proc/PID/stat).
cpu_ticks() {
    local user nice system idle iowait irq softirq steal fields
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    read -r -a fields < "/proc/$$/stat"
    echo "$((user + nice + system + irq + softirq + steal))" \
        "$((fields[13] + fields[14] + fields[15] + fields[16]))"
}

# Prints the percentage of CPU time spent busy, over all CPUs, during one second.
busy_percent() {
    local busy0 busy1
    read -r busy0 _ < <(cpu_ticks)
    sleep 1
    read -r busy1 _ < <(cpu_ticks)
    echo $((100 * (busy1 - busy0) / (100 * cores)))
}

# Starts section $1: waits (at most 30 s) for a second in which the CPUs are
# at least 90% idle, then notes the CPU ticks so that section_end can tell
# how much of the machine other processes used meanwhile.
section_begin() {
    local waited=0
    section_name=$1
    section_busy=$(busy_percent)
    while [ "$section_busy" -gt 10 ] && [ "$waited" -lt 30 ]; do
        section_busy=$(busy_percent)
        waited=$((waited + 1))
    done
    section_waited=$waited
    read -r section_ticks section_own < <(cpu_ticks)
    section_start=$(date +%s%N)
    echo "bench: $section_name" >&2
}

# Ends the section. Sets section_others to the share of all CPUs, in
# percent, that processes other than this script used during the section,
# and appends "name busy_before waited section_others" to load.txt.
section_end() {
    local ticks own elapsed others
    read -r ticks own < <(cpu_ticks)
    elapsed=$((($(date +%s%N) - section_start) / 10000000))
    others=$(((ticks - section_ticks) - (own - section_own)))
    [ "$others" -lt 0 ] && others=0
    section_others=$((100 * others / ((elapsed > 0 ? elapsed : 1) * cores)))
    echo "$section_name $section_busy $section_waited $section_others" >> "$work/load.txt"
}

# Runs section $1, the command that follows it. When other processes used
# more than 10% of the CPUs meanwhile, it runs the section once more if the
# script has run for less than 6 minutes. The report keeps the last attempt.
measure() {
    local name=$1
    shift
    section_begin "$name"
    "$@"
    section_end
    if [ "$section_others" -gt 10 ] && [ $(($(date +%s) - start_seconds)) -lt 360 ]; then
        echo "bench: other processes used $section_others% of the CPUs during $name;" \
            "running it again" >&2
        section_begin "$name"
        "$@"
        section_end
    fi
}

# Runs a command under /usr/bin/time -v, writing its report to $1, and
# adds a line "Wall nanoseconds: N" from date, because time -v reports the
# wall time in hundredths of a second only. N includes starting
# /usr/bin/time itself, which sweep_benchmark measures on `true`.
timed() {
    local report=$1 start end status
    shift
    start=$(date +%s%N)
    /usr/bin/time -v -o "$report" "$@"
    status=$?
    end=$(date +%s%N)
    echo "Wall nanoseconds: $((end - start))" >> "$report"
    return $status
}

# build
echo "bench: build in $build (release)" >&2
if [ ! -d "$build" ]; then
    meson setup "$build" --buildtype=release -Dtests=disabled > /dev/null
fi
ninja -C "$build" lnl bench/bench_fit bench/bench_gradient bench/bench_data > /dev/null

# the machine
{
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "cpu_family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
    echo "cpu_model=$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
    echo "cores=$(nproc)"
    echo "memory_gib=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    echo "openblas=$(dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)"
    echo "liblinear=$(dpkg-query -W -f '${Version}' liblinear-tools 2>/dev/null || echo unknown)"
    echo "compiler=$(cc --version | head -n 1)"
    echo "python=$($python -c 'import sys; print(sys.version.split()[0])')"
    echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
} > "$work/machine.txt"

# gradient-evaluation bandwidth, and the same passes at the size of one
# digits.ini fit
gradient_benchmark() {
    "$build/bench/bench_gradient" 100000 100 --repeats 20 > "$work/gradient.md"
    "$build/bench/bench_gradient" 1347 64 --repeats 200 > "$work/gradient-digits.md"
}

# one fit against scikit-learn and liblinear, K = $1
fit_benchmark() {
    $python bench/python/fit_compare.py --bench-fit "$build/bench/bench_fit" \
        --classes "$1" --work "$work/fit" --json "$work/fit$1.json"
    rm -f "$work/fit/fit$1.libsvm" "$work/fit/fit$1".*.npy
}

# configs/$1.ini against the Python equivalent, interleaved so that a
# change of load hits both. lnl writes into a fresh folder each time
# because it resumes the runs it finds in an existing one. A third lnl
# run skips the figures, as the Python script draws none. Python runs
# twice with numpy's default BLAS threads and once with one, like lnl's
# cells.
sweep_benchmark() {
    local config=$1 repeat jobs out
    rm -rf "$work/lnl-$config"-* "$work/python-$config"-*
    # the cost of timing itself, which make_report.py subtracts
    for repeat in 1 2 3 4 5; do
        timed "$work/overhead-$config-$repeat.time" true
    done
    for repeat in 1 2 3; do
        for jobs in 1 2; do
            out="$work/lnl-$config-$jobs-$repeat"
            timed "$out.time" "$build/lnl" run "configs/$config.ini" --out "$out" \
                --jobs "$jobs" --quiet 2>> "$work/lnl.log"
        done
        out="$work/lnl-$config-nofigures-$repeat"
        timed "$out.time" "$build/lnl" run "configs/$config.ini" --out "$out" \
            --jobs 2 --no-figures --quiet 2>> "$work/lnl.log"
        out="$work/python-$config-$repeat"
        if [ "$repeat" -le 2 ]; then
            timed "$out.time" $python bench/python/sweep_equivalent.py "configs/$config.ini" \
                --out "$out" --json "$out.json" > /dev/null
        else
            OPENBLAS_NUM_THREADS=1 timed "$out.time" $python bench/python/sweep_equivalent.py \
                "configs/$config.ini" --out "$out" --json "$out.json" > /dev/null
        fi
    done
}

# peak memory of a sweep against the data alone
memory_benchmark() {
    local jobs
    rm -rf "$work"/memory-lnl-*
    sed 's/^\[data big\]$/&\nshuffle = false/' bench/configs/memory.ini \
        > "$work/memory-unshuffled.ini"
    timed "$work/memory-data.time" "$build/bench/bench_data" bench/configs/memory.ini \
        > "$work/memory-data.txt"
    timed "$work/memory-data-unshuffled.time" "$build/bench/bench_data" \
        "$work/memory-unshuffled.ini" > /dev/null
    for jobs in 1 2; do
        timed "$work/memory-lnl-$jobs.time" "$build/lnl" run bench/configs/memory.ini \
            --out "$work/memory-lnl-$jobs" --jobs "$jobs" --quiet 2>> "$work/lnl.log"
    done
}

# one large cell alone, with one and two jobs: its fit time and whether
# runs.csv changes
one_cell_benchmark() {
    local repeat jobs out
    rm -rf "$work"/one-cell-*
    for repeat in 1 2 3; do
        for jobs in 1 2; do
            out="$work/one-cell-$jobs-$repeat"
            timed "$out.time" "$build/lnl" run bench/configs/one_cell.ini --out "$out" \
                --jobs "$jobs" --no-figures --quiet 2>> "$work/lnl.log"
        done
    done
}

measure gradient gradient_benchmark
measure fit2 fit_benchmark 2
measure fit10 fit_benchmark 10
measure sweep-article sweep_benchmark article
measure sweep-digits sweep_benchmark digits
measure memory memory_benchmark
measure one-cell one_cell_benchmark

echo "elapsed=$(($(date +%s) - start_seconds))" >> "$work/machine.txt"
$python bench/python/make_report.py "$work" > bench/REPORT.md
echo "bench: wrote bench/REPORT.md" >&2
