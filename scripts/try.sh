#!/usr/bin/env bash
# Install reviewbot and review the real patch shipped in examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/reviewbot review examples/zram-sysfs-self-pin.patch || [ $? -eq 1 ]
