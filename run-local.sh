#!/usr/bin/env bash
# Quick start: the main job, locally, with no AWS account. Starts the moto emulator on 127.0.0.1, builds a small
# account (a dual-stack VPC, a two-ENI web instance with an instance profile that is an Auto Scaling member behind a
# target group), applies the trigger tag, delivers the Tag Change event to the real Native AOT bootstrap through a local
# Lambda Runtime API, shows the instance before and after side by side, releases it with the analyst CLI and shows the
# restoration; then stops moto and removes its files (eng/local/quickstart.py). Exits 1 when an outcome is wrong.
# Needs the .NET SDK and python3 (moto is installed with pip when missing); the first run publishes the bootstrap
# (Native AOT, a minute or more; eng/publish-lambda.sh installs clang when run as root on Debian), later runs reuse it
# until a file under src/ changes.
set -euo pipefail
cd "$(dirname "$0")"

python3 -c "import moto.server, boto3" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1"

bootstrap=artifacts/lambda/linux-x64/bootstrap
stale() { # the bootstrap is missing, or older than a source it is built from (as the tests' BootstrapProcess judges)
  [ ! -x "$bootstrap" ] || [ -n "$(find src Directory.Build.props Directory.Packages.props -newer "$bootstrap" -type f \
    -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]
}
mkdir -p artifacts
if stale; then
  echo "==> Publishing the function (Native AOT bootstrap): eng/publish-lambda.sh"
  # The lock the tests take before they publish: never two publishes over each other.
  flock artifacts/.publish-lambda.lock eng/publish-lambda.sh
else
  echo "==> Reusing $bootstrap (newer than every source under src/)"
fi
echo "==> Building the analyst CLI: artifacts/cli/ec2-isolation.dll"
dotnet build src/Ec2Isolation.Cli --nologo -v quiet -c Release -o artifacts/cli >/dev/null

exec python3 eng/local/quickstart.py
