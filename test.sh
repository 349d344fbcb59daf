#!/usr/bin/env bash
# The test command (README, CI): unit tests, then integration tests against moto, which the tests start on 127.0.0.1.
# Ends with one summary line over every test project: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Ec2Isolation.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# dotnet test ends each project with "Passed!  - Failed: 0, Passed: 99, Skipped: 0, Total: 99, ...".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  failed  += $(i + 1)
         if ($i == "Passed:")  passed  += $(i + 1)
         if ($i == "Skipped:") skipped += $(i + 1)
       }
       found = 1
     }
     END { if (found) printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
