#!/usr/bin/env bash
# The test command (README, CI): unit tests, then integration tests against moto, which the tests start on 127.0.0.1.
# Ends with one summary line over every test project: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A test that hangs aborts its project after 10 minutes without progress, naming the test (the blame collector), instead
# of holding the run until CI's own time limit.
dotnet test Ec2Isolation.sln --nologo --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$log"
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
     /^Test Run Aborted/ { aborted++ }
     END {
       if (found) printf "tests: %d passed, %d failed, %d skipped", passed, failed, skipped
       if (found && aborted) printf ", %d test run(s) aborted (a hang or a crash: see \"The test running when\" above)", aborted
       if (found) printf "\n"
     }' "$log"
exit "$status"
