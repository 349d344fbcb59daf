#!/usr/bin/env bash
# The test command (README, CI): unit tests and integration tests against moto, which the tests start on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test Ec2Isolation.sln --nologo "$@"
