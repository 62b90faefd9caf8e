#!/usr/bin/env bash
# Regenerate the documentation's plots (run from the repository root after a change to the plots):
# the same input gives the same bytes, so `git status` shows which images a change moved.
set -euo pipefail
out=docs/images
plot() { warmupctl -q plot "$@"; }
plot --kind cosine --ratio 0.1 -o $out/cosine-warmup.png
plot sample_configs/transformers_example.yaml sample_configs/cosine_cycles2.yaml --title "num_cycles 0.5 vs 2" -o $out/cycles.png
plot sample_configs/libraries/transformers_cosine.yaml sample_configs/libraries/timm_cosine.yaml \
     sample_configs/libraries/deepspeed_cosine.yaml -o $out/three-libraries.png
plot --kind linear --warmup-steps 100 --stepping per-micro-batch --grad-accum 4 -o $out/stepping-micro-batch.png
plot --kind cosine --ratio 0.1 --noise-batch 256 --sharpness 2.5e4 -o $out/noise-batch.png
plot sample_configs/configs/trainer_args.yaml -o $out/finetune.png
plot sample_configs/transformers_example.yaml sample_configs/llama.yaml -o $out/long-run-zoom.png
plot --dataset-size 100 --micro-batch-size 1 --grad-accum 4 --epochs 10 --ratio 0.1 -o $out/epochs-axis.png
plot sample_configs/layer_decay.yaml -o $out/series-layer-decay.png
