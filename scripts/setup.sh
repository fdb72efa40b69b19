#!/usr/bin/env bash
# Installs what Corroborate needs from Debian 12's packages (as root, or with sudo) and builds it.
# Idempotent: packages already present are not reinstalled, and the build is incremental.
#   BUILD_DIR   build directory (default: build)
#   BUILD_TYPE  CMake build type (default: RelWithDebInfo)
#   CMAKE_ARGS  extra arguments for cmake
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake ninja-build pkg-config python3
  libsimdjson-dev librocksdb-dev libfmt-dev libspdlog-dev libcli11-dev libyaml-cpp-dev
  libssl-dev libcurl4-openssl-dev libxml2-dev libjemalloc-dev libboost1.81-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  chromium chromium-driver
  zip unzip binutils
)
# The dashboard's front end builds with Node.js and npm (web/); the machine's own Node.js is used
# when there is one (Vite needs 20.19 or newer), else Debian's.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The dashboard: npm ci when the lock file changed since the last install, then the build that
# corroborate serve serves (web/dist).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "setup: the dashboard needs Node.js 20 or newer (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd web && npm run --silent build >/dev/null)

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCORROBORATE_WERROR=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j2
