#!/usr/bin/env bash
# Regenerates docs/results.md and its plots: A2C with Stable-Baselines3's defaults plus RL Zoo's
# per-env settings (hyperparams/a2c.yml), three seeds per env, trained by `a2c sweep` and drawn by
# `a2c plot`; then RL Zoo's gSDE entries (Pendulum-v1, MountainCarContinuous-v0) one seed at a
# time. Runs go to runs/results/ (replaced). About six minutes on two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=runs/results
rm -rf "$out"
mkdir -p "$out"

envs=(CartPole-v1 Acrobot-v1 MountainCar-v0)
# RL Baselines3 Zoo's benchmark.md, A2C row of each env: mean ± std return of its trained agent.
declare -A zoo=([CartPole-v1]="500.0 ± 0.0" [Acrobot-v1]="-83.4 ± 17.2" [MountainCar-v0]="-111.3 ± 24.1"
    [Pendulum-v1]="-162.97 ± 103.21" [MountainCarContinuous-v0]="91.17 ± 0.26")
declare -A budget=([Pendulum-v1]="1M" [MountainCarContinuous-v0]="100k")
# gSDE runs on the TorchSharp engine; one intra-op thread is much faster for these small networks
# (its threads spin waiting for each other on busy cores), and one seed at a time.
sde_envs=(Pendulum-v1 MountainCarContinuous-v0)

for env in "${envs[@]}"; do
    ./a2c sweep --env "$env" --seeds 1-3 --parallel 2 --out "$out/$env" \
        --hyperparams hyperparams/a2c.yml --log-interval 10 >"$out/$env.log"
    ./a2c plot "$out/$env" --out "docs/results-$env.png" --title "A2C on $env, 3 seeds (RL Zoo settings)" >>"$out/$env.log"
done

for env in "${sde_envs[@]}"; do
    OMP_NUM_THREADS=1 ./a2c sweep --env "$env" --seeds 1-3 --parallel 1 --out "$out/$env" \
        --hyperparams hyperparams/a2c.yml >"$out/$env.log"
    ./a2c plot "$out/$env" --out "docs/results-$env.png" --title "A2C with gSDE on $env, 3 seeds (RL Zoo settings)" >>"$out/$env.log"
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
MountainCar-v0 1M, Pendulum-v1 1M and MountainCarContinuous-v0 100k (both with gSDE, below).

| env | ours: eval mean ± std across 3 seeds | RL Zoo: mean ± std over episodes |
| --- | ---: | ---: |
MID
    for env in "${envs[@]}"; do
        echo "| $env | $(across_seeds "$out/$env") | ${zoo[$env]} |"
    done
    for env in "${sde_envs[@]}"; do
        echo "| $env (gSDE, ${budget[$env]}) | $(across_seeds "$out/$env") | ${zoo[$env]} |"
    done
    cat <<SDE

## gSDE: Pendulum-v1 and MountainCarContinuous-v0

RL Zoo tunes A2C on the two box-action envs with generalized state-dependent exploration; the
shipped hyperparams/a2c.yml has its entries in full. Pendulum-v1: 8 envs, \`normalize\`, n_steps 8,
gamma 0.9, gae_lambda 0.9, vf_coef 0.4, \`lin_7e-4\`, \`use_sde\` with exploration matrices drawn once
per rollout, \`log_std_init=-2, ortho_init=False\`, 1M steps. MountainCarContinuous-v0: 4 envs,
\`normalize\`, n_steps 100, \`use_sde\` with \`sde_sample_freq 16\`, \`log_std_init=0.0,
ortho_init=False\`, 100k steps. Both run on the TorchSharp engine (\`auto\` picks it for gSDE).
Three seeds each, the full budget, one seed at a time, with libtorch on one intra-op thread
($(date -u +%Y-%m-%d), on the machine above; wall times depend on what else runs):

\`\`\`
OMP_NUM_THREADS=1 ./a2c sweep --env ENV --seeds 1-3 --parallel 1 --hyperparams hyperparams/a2c.yml
\`\`\`

Without \`OMP_NUM_THREADS=1\`, on two cores busy with other work, the TorchSharp engine trained at
about 1,200 env steps/s instead of 10,000 to 25,000: its intra-op threads spin waiting for each
other on a 64x64 network. (These runs predate the trainer keeping one libtorch thread for the
TorchSharp engine on the CPU by itself, as it does for the .NET engine, unless \`OMP_NUM_THREADS\`
is set: the variable is now the default's twin, kept so that the command reads the same.) Eval return and the *all* row as above; RL Zoo's numbers (one run each,
mean ± std over its evaluation episodes) are in the table above.

SDE
    for env in "${sde_envs[@]}"; do
        echo "### $env (gSDE)"
        echo
        head -n -2 "$out/$env/summary.md"
        echo
        echo "![A2C with gSDE on $env: mean return of the last 100 training episodes vs env steps, mean and ± std band across 3 seeds](results-$env.png)"
        echo
    done
} >docs/results.md
echo "wrote docs/results.md and docs/results-*.png (runs in $out/)"
