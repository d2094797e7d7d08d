#!/usr/bin/env bash
# The one test command (README): installs what the tests need on a fresh Debian machine, idempotently,
# starts the servers they use on loopback, then runs every test lane.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

source scripts/lib/deps.sh
ensure_apt_packages
start_services

dotnet build Hotline.sln -c Release -nologo -clp:ErrorsOnly

# Lanes run one after another; each is a test project (see docs/testing.md).
scripts/lib/run-lanes.sh
