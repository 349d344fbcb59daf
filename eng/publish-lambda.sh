#!/usr/bin/env bash
# Publishes the Lambda (src/Ec2Isolation.Lambda) as a Native AOT executable for the provided.al2023 runtime:
#   artifacts/lambda/linux-x64/bootstrap     x86_64: the folder the CDK stack takes as the function's asset
#   artifacts/lambda/linux-arm64/bootstrap   arm64 (Graviton), when asked for: eng/publish-lambda.sh linux-x64 linux-arm64
# Each folder holds the bootstrap alone; the full publish output (with bootstrap.dbg) is in artifacts/publish/lambda/RID.
#
# Usage: eng/publish-lambda.sh [RID ...]    (default: linux-x64)
# Native AOT links with the platform's C toolchain (the ILCompiler itself comes from NuGet). On Debian, run as root,
# this script installs what is missing: clang (or an existing gcc) for the machine's own architecture, and for
# arm64 on an x86_64 machine clang with gcc-aarch64-linux-gnu and libc6-dev-arm64-cross. zlib comes with the
# .NET 10 runtime pack (libz.a), so zlib1g-dev is not needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rids=("${@:-linux-x64}")

host_rid() {
    case "$(uname -m)" in
        x86_64) echo linux-x64 ;;
        aarch64 | arm64) echo linux-arm64 ;;
        *) echo "linux-$(uname -m)" ;;
    esac
}

missing=()
require() { # command package
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

for rid in "${rids[@]}"; do
    case "$rid" in
        "$(host_rid)")
            command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(clang)
            ;;
        linux-arm64)
            require clang clang
            require aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
            [ -e /usr/aarch64-linux-gnu/lib/crt1.o ] || missing+=(libc6-dev-arm64-cross)
            ;;
        linux-x64)
            require clang clang
            require x86_64-linux-gnu-gcc gcc-x86-64-linux-gnu
            [ -e /usr/x86_64-linux-gnu/lib/crt1.o ] || missing+=(libc6-dev-amd64-cross)
            ;;
        *)
            echo "error: unsupported runtime identifier '$rid' (linux-x64 or linux-arm64)" >&2
            exit 2
            ;;
    esac
done

if ((${#missing[@]} > 0)); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing the Native AOT toolchain: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "error: Native AOT needs a C toolchain this machine lacks: ${missing[*]}." >&2
        echo "       On Debian or Ubuntu: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
        echo "       (elsewhere, your distribution's packages for the same tools), then run $0 again." >&2
        exit 1
    fi
fi

for rid in "${rids[@]}"; do
    started=$SECONDS
    publish="$root/artifacts/publish/lambda/$rid"
    asset="$root/artifacts/lambda/$rid"
    rm -rf "$publish" "$asset"
    dotnet publish "$root/src/Ec2Isolation.Lambda/Ec2Isolation.Lambda.csproj" \
        --nologo -c Release -r "$rid" -o "$publish" -p:TreatWarningsAsErrors=true
    mkdir -p "$asset"
    cp "$publish/bootstrap" "$asset/bootstrap"
    echo "Published $asset/bootstrap ($(du -h "$asset/bootstrap" | cut -f1), $((SECONDS - started)) s)"
done
