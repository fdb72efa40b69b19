#!/usr/bin/env bash
# Builds the AWS Lambda deployment package: a zip with `bootstrap` (deploy/bootstrap) at its
# root, the `corroborate` binary (optimised build, debug info stripped) and lib/ holding every shared library
# the binary loads, the C library and its dynamic loader included (see docs/deploy.md: a Debian 12
# build needs glibc 2.36 through libstdc++, provided.al2023 has 2.34).
#
#   deploy/package.sh [--binary PATH] [--build-dir DIR] [--output ZIP]
#
#   --binary PATH    package this binary instead of building one
#   --build-dir DIR  where the release build goes (default: build-release)
#   --output ZIP     the package (default: build-release/corroborate-lambda-<arch>.zip)
#
# The architecture is the build machine's (x86_64 or arm64, the Lambda parameter Architecture):
# build on arm64 (Graviton) for an arm64 function. Needs cmake, ninja, zip, objdump (binutils).
set -euo pipefail
cd "$(dirname "$0")/.."

binary="" build_dir=build-release output=""
while (($#)); do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "package.sh: Lambda runs x86_64 or arm64, not $(uname -m)" >&2; exit 2 ;;
esac
output=${output:-$build_dir/corroborate-lambda-$arch.zip}

if [ -z "$binary" ]; then
  # Only the binary: no tests, no benchmarks. -j2: the build machines are shared. The build type
  # is the one the test suite runs (-O2; the debug info is stripped below): GCC 12 at -O3
  # (Release) warns falsely in src/filter/filter.cc, which -Werror makes an error.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORROBORATE_WERROR=ON \
    -DCORROBORATE_BUILD_TESTS=OFF -DCORROBORATE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" -j2 --target corroborate
  binary=$build_dir/corroborate
fi
[ -x "$binary" ] || { echo "package.sh: $binary is not an executable" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"
cp "$binary" "$stage/corroborate"
strip --strip-debug "$stage/corroborate"
install -m 0755 deploy/bootstrap "$stage/bootstrap"

# Every library the binary loads, under the name it asks for (ldd resolves the whole tree).
loader=""
while read -r line; do
  case "$line" in
    *"=>"*/*) name=${line%% =>*}; path=${line#*=> }; path=${path%% (*} ;;
    /*) path=${line%% (*}; name=$(basename "$path"); loader=$name ;;
    *) continue ;;  # linux-vdso: the kernel's
  esac
  cp -L "$path" "$stage/lib/$name"
  chmod 0755 "$stage/lib/$name"
done < <(ldd "$binary")
[ -n "$loader" ] || { echo "package.sh: ldd named no dynamic loader for $binary" >&2; exit 1; }

# The package must be self-contained: through its own loader, every library resolves in lib/.
outside=$("$stage/lib/$loader" --library-path "$stage/lib" --list "$stage/corroborate" |
  awk '/=>/ {print $3}' | grep -v "^$stage/lib/" || true)
if [ -n "$outside" ]; then
  echo "package.sh: libraries resolved outside the package:" >&2
  echo "$outside" >&2
  exit 1
fi

mkdir -p "$(dirname "$output")"
output=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
rm -f "$output"
(cd "$stage" && zip -q -X -r "$output" bootstrap corroborate lib)
glibc=$(objdump -T "$stage/corroborate" | awk '/\*UND\*/' | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
echo "package.sh: $output ($arch, $(du -k "$output" | cut -f1) KB; the binary alone needs $glibc," \
  "the package brings its own C library)"
