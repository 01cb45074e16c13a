#!/usr/bin/env bash
# Reproduces docs/results.md: A2C with Stable-Baselines3 defaults plus RL Zoo's per-env settings,
# three seeds each. Prints a markdown table; runs go to runs/results/. Takes a few minutes.
# Steps to threshold: the first progress row whose last-100 training mean reaches the threshold.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=runs/results
mkdir -p "$out"

run() { # env threshold steps extra-args...
    local env="$1" threshold="$2" steps="$3" seed
    shift 3
    for seed in 1 2 3; do
        local dir="$out/$env-seed$seed"
        rm -rf "$dir" "$dir.json"
        ./a2c train --env "$env" --seed "$seed" --total-steps "$steps" --run-dir "$dir" \
            --log-interval 10 --summary-json "$dir.json" "$@" >"$dir.log" 2>&1
        local reached eval std wall
        reached=$(awk -F, -v t="$threshold" 'NR > 1 && $3 != "" && $3 + 0 >= t { print $1; exit }' "$dir/progress.csv")
        eval=$(grep -o '"eval_mean_return": [-0-9.eE]*' "$dir.json" | awk '{ printf "%.1f", $2 }')
        std=$(grep -o '"eval_std_return": [-0-9.eE]*' "$dir.json" | awk '{ printf "%.1f", $2 }')
        wall=$(grep -o '"wall_seconds": [0-9.eE]*' "$dir.json" | awk '{ printf "%.1f", $2 }')
        printf '| %s | %s | %s | %s | %s ± %s | %s |\n' "$env" "$seed" "$steps" "${reached:-not reached}" "$eval" "$std" "$wall"
    done
}

echo "| env | seed | budget | steps to threshold | eval mean ± std (100 episodes) | wall s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
run CartPole-v1 475 500000 --n-envs 8
run Acrobot-v1 -100 500000 --n-envs 16 --normalize
run MountainCar-v0 -110 1000000 --n-envs 16 --normalize
