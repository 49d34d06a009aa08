#!/bin/sh
# Build the example's GoogleTest binary: sh build.sh [OUT_DIR] (default: build), giving
# OUT_DIR/unit_tests. Needs g++ and GoogleTest (Debian: apt-get install g++ libgtest-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build}
mkdir -p "$out"
${CXX:-g++} -std=c++17 -O1 -Wall -Wextra -I"$here" -o "$out/unit_tests" \
  "$here/journal.cc" "$here/journal_test.cc" -lgtest -lgtest_main -pthread
