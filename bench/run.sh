#!/usr/bin/env bash
# The benchmarks (not part of ./test.sh): round trips and time to containment against a Python baseline of the seed
# blog post's design, cold starts of the Native AOT bootstrap against the JIT build, and a throttled burst of
# isolations, all on the moto emulator on 127.0.0.1. Writes bench/RESULTS.md; exits 1 when a target of issue 5 is missed.
#
# Usage: bench/run.sh [--runs 15] [--latency-ms 50] [--burst 200] [--concurrency 10] [--throttle 0.2]
# Needs Linux, the .NET 10 SDK, Python 3 (moto[server] and boto3 are installed with pip when missing), and a C toolchain
# for the AOT publish (eng/publish-lambda.sh says what is missing). Run it on a quiet machine: it measures time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python3 -c "import moto.server, boto3" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1" boto3
dotnet build "$root/bench/Ec2Isolation.Bench" --nologo -v quiet -c Release -o "$root/artifacts/bench/app" >/dev/null
exec dotnet "$root/artifacts/bench/app/Ec2Isolation.Bench.dll" "$@"
