#!/usr/bin/env bash
# Regenerates docs/results.md and its plots: A2C with Stable-Baselines3's defaults plus RL Zoo's
# per-env settings (hyperparams/a2c.yml), three seeds per env, trained by `a2c sweep` and drawn by
# `a2c plot`. Runs go to runs/results/ (replaced). Under a minute on two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=runs/results
rm -rf "$out"
mkdir -p "$out"

envs=(CartPole-v1 Acrobot-v1 MountainCar-v0)
# RL Baselines3 Zoo's benchmark.md, A2C row of each env: mean ± std return of its trained agent.
declare -A zoo=([CartPole-v1]="500.0 ± 0.0" [Acrobot-v1]="-83.4 ± 17.2" [MountainCar-v0]="-111.3 ± 24.1")

for env in "${envs[@]}"; do
    ./a2c sweep --env "$env" --seeds 1-3 --parallel 2 --out "$out/$env" \
        --hyperparams hyperparams/a2c.yml --log-interval 10 >"$out/$env.log"
    ./a2c plot "$out/$env" --out "docs/results-$env.png" --title "A2C on $env, 3 seeds (RL Zoo settings)" >>"$out/$env.log"
done

# The "all" row's eval column of a sweep's summary.md: mean ± std across seeds.
across_seeds() { awk -F'|' '$2 ~ /^ all / { gsub(/^ +| +$/, "", $3); print $3 }' "$1/summary.md"; }

cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
{
    cat <<HEAD
# Results

A2C as built here, with Stable-Baselines3's A2C defaults (n_steps 5, gamma 0.99, gae_lambda 1.0,
vf_coef 0.5, max_grad_norm 0.5, RMSprop 7e-4 with eps 1e-5, separate 64x64 tanh networks,
orthogonal init) and RL Zoo's per-env settings from hyperparams/a2c.yml: CartPole-v1 8 envs and
500k steps; Acrobot-v1 16 envs, \`normalize\`, 500k steps; MountainCar-v0 16 envs, \`normalize\`,
1M steps. Three seeds each (1, 2, 3), the full budget (no early stop), two seeds at a time.

**Machine**: $(nproc) vCPU ${cpu}, $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version),
$(./a2c version | sed -n 's/^TorchSharp *//p' | sed 's/^/TorchSharp /') (libtorch $(./a2c version | sed -n 's/^libtorch *//p'), CPU).
**Command**: \`./scripts/results.sh\` ($(date -u +%Y-%m-%d)), which runs for each env
\`./a2c sweep --env ENV --seeds 1-3 --parallel 2 --hyperparams hyperparams/a2c.yml --log-interval 10\`
and \`./a2c plot\` on its output.

- *eval return*: 100 episodes of the deterministic policy on fresh envs (seed + 1000), mean ± std;
  in the *all* row, the mean ± std across the three seeds of their eval means;
- *steps to threshold*: the first progress row (every 10 updates) whose last-100 training-episode
  mean reaches the env's reward threshold (CartPole 475, Acrobot -100, MountainCar -110);
- *wall s* and *fps*: each seed's training loop (two seeds share the two cores), excluding process
  start and evaluation.

HEAD
    for env in "${envs[@]}"; do
        echo "## $env"
        echo
        head -n -2 "$out/$env/summary.md"
        echo
        echo "![A2C on $env: mean return of the last 100 training episodes vs env steps, mean and ± std band across 3 seeds, with the reward threshold](results-$env.png)"
        echo
    done
    cat <<'MID'
## Beside RL Zoo

RL Baselines3 Zoo's benchmark table gives, for its A2C agent trained with the same settings (one
run), the mean ± std return of the deterministic policy: CartPole-v1 500k steps, Acrobot-v1 500k,
MountainCar-v0 1M.

| env | ours: eval mean ± std across 3 seeds | RL Zoo: mean ± std over episodes |
| --- | ---: | ---: |
MID
    for env in "${envs[@]}"; do
        echo "| $env | $(across_seeds "$out/$env") | ${zoo[$env]} |"
    done
} >docs/results.md
echo "wrote docs/results.md and docs/results-*.png (runs in $out/)"
