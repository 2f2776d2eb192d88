#!/bin/bash
# Runs one config as a Slurm job array: task I of N runs shard I of N of
# the grid, then a job that depends on the whole array merges the shards.
#
#   sbatch --array=1-8 docs/slurm_array.sh configs/digits.ini 8
#   sbatch --dependency=afterok:JOBID --wrap \
#       "build/lnl merge results/digits results/digits/shard-*-of-8"
#
# where JOBID is the array's job id that the first sbatch prints and 8 is
# the number of shards N. N is an argument, not Slurm's task count, so that
# a failed task resubmitted alone (sbatch --array=3 ... configs/digits.ini
# 8) still runs shard 3 of 8 and resumes it. Submit from the repository
# root, because relative paths in a config are read from the working
# folder. Each task writes RESULTS/shard-I-of-N on the shared file system.
# The resource lines below are an example: --jobs follows the cores a
# task gets.
#SBATCH --job-name=lnl
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=lnl-%A-%a.log
set -euo pipefail

usage="usage: sbatch --array=1-N docs/slurm_array.sh CONFIG N"
config=${1:?$usage}
count=${2:?$usage}
index=${SLURM_ARRAY_TASK_ID:?run this script as a Slurm job array ($usage)}

exec build/lnl run "$config" --shard "$index/$count" --jobs "${SLURM_CPUS_PER_TASK:-1}"
