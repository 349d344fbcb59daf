#!/usr/bin/env bash
# Quick start: isolates an instance and releases it again, on the moto emulator on 127.0.0.1. No AWS account needed.
# Starts moto, builds a small account (a dual-stack VPC, a two-ENI web instance with an instance profile, an Auto
# Scaling group), isolates the web instance with the analyst CLI, shows the instance before and after, releases it,
# shows the restoration, and stops moto.
set -euo pipefail
cd "$(dirname "$0")"

python3 -c "import moto.server" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1"
echo "==> Building the CLI"
dotnet build src/Ec2Isolation.Cli --nologo -v quiet -c Release -o artifacts/cli >/dev/null

log=$(mktemp)
python3 -m moto.server -H 127.0.0.1 -p 0 >"$log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do
  port=$(grep -Eo 'Running on http://127\.0\.0\.1:[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break
  sleep 0.2
done
[ -n "${port:-}" ] || { echo "moto did not start:"; cat "$log"; exit 1; }

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export EC2ISOLATION_TABLE=ec2-isolation-records EC2ISOLATION_INSTANCE_PROFILE=ec2-isolation-deny-all
cli() { dotnet artifacts/cli/ec2-isolation.dll "$@"; }

echo "==> moto on $AWS_ENDPOINT_URL; building a small account"
instance=$(python3 eng/local/account.py seed)
echo "==> Before: $instance"
python3 eng/local/account.py show "$instance"

echo "==> ec2-isolation isolate $instance --dry-run"
cli isolate "$instance" --dry-run 2>/dev/null
echo "==> ec2-isolation isolate $instance"
cli isolate "$instance" --reason "quick start" --incident INC-QUICKSTART
echo "==> After isolation:"
python3 eng/local/account.py show "$instance"

echo "==> ec2-isolation release $instance"
cli release "$instance"
echo "==> After release:"
python3 eng/local/account.py show "$instance"
