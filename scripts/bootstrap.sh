#!/usr/bin/env bash
# Shared by build.sh and ./a2c: check the SDK, restore, make TorchSharp's native library loadable,
# build. Every step is idempotent: a second run finds its caches and does (almost) nothing.

A2C_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
A2C_CONFIGURATION="Release"
A2C_CLI_OUT="$A2C_ROOT/src/A2C.Cli/bin/$A2C_CONFIGURATION/net10.0"
# What ./a2c runs: the CLI published ReadyToRun for this machine, so a run does not spend its first
# tenth of a second compiling (docs/benchmarks.md, issue 18). Tests use the build output above.
A2C_CLI_RUN="$A2C_ROOT/obj/cli"
A2C_BUILD_STAMP="$A2C_ROOT/obj/a2c-build.stamp"

# shellcheck source=scripts/native.sh
source "$A2C_ROOT/scripts/native.sh"

a2c_fail() {
    a2c_log "error: $*"
    exit 1
}

a2c_check_sdk() {
    command -v dotnet >/dev/null 2>&1 ||
        a2c_fail "the .NET SDK is not installed (dotnet is not on PATH); install .NET SDK 10 and re-run"
    local version
    # Run from the repo root so global.json's SDK constraint applies.
    if ! version=$(cd "$A2C_ROOT" && dotnet --version 2>&1); then
        a2c_fail "no installed .NET SDK satisfies global.json (SDK 10.0.100 or a newer 10.0 feature band): $version"
    fi
    [[ "${version%%.*}" -ge 10 ]] 2>/dev/null || a2c_fail ".NET SDK 10 is required; found $version"
}

# Under CI the lock files are authoritative: a package graph that drifted from them fails restore.
a2c_restore_flags() {
    if [[ "${CI:-}" == "true" ]]; then printf -- '--locked-mode'; fi
}

a2c_restore() {
    local quiet="${1:-}"
    (cd "$A2C_ROOT" && dotnet tool restore >"$A2C_ROOT/obj/tool-restore.log" 2>&1) || {
        cat "$A2C_ROOT/obj/tool-restore.log" >&2
        a2c_fail "dotnet tool restore failed (log above)"
    }
    # shellcheck disable=SC2046
    if [[ -n "$quiet" ]]; then
        dotnet restore "$A2C_ROOT/A2C.sln" $(a2c_restore_flags) -nologo -v q >"$A2C_ROOT/obj/restore.log" 2>&1 || {
            cat "$A2C_ROOT/obj/restore.log" >&2
            a2c_fail "dotnet restore failed (log above)"
        }
    else
        dotnet restore "$A2C_ROOT/A2C.sln" $(a2c_restore_flags) -nologo || a2c_fail "dotnet restore failed"
    fi
}

# Exports LD_LIBRARY_PATH with the private libstdc++ when (and only when) the system's is too old.
a2c_native() {
    a2c_ensure_native || exit 1
    if [[ -n "$A2C_NATIVE_LIB_DIR" ]]; then
        export LD_LIBRARY_PATH="$A2C_NATIVE_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
}

a2c_native_summary() {
    if [[ -n "$A2C_NATIVE_LIB_DIR" ]]; then
        a2c_log "libstdc++: system's lacks $A2C_NEEDED_GLIBCXX; using the private copy in $A2C_NATIVE_LIB_DIR"
    else
        a2c_log "libstdc++: system's provides $A2C_NEEDED_GLIBCXX (or not Linux); nothing to do"
    fi
}

a2c_build() {
    local quiet="${1:-}"
    if [[ -n "$quiet" ]]; then
        dotnet build "$A2C_ROOT/A2C.sln" -c "$A2C_CONFIGURATION" --no-restore -nologo -v q >"$A2C_ROOT/obj/build.log" 2>&1 || {
            grep -E 'error|warning' "$A2C_ROOT/obj/build.log" | sort -u >&2
            a2c_fail "build failed (full log: obj/build.log)"
        }
    else
        dotnet build "$A2C_ROOT/A2C.sln" -c "$A2C_CONFIGURATION" --no-restore -nologo || a2c_fail "build failed"
    fi
    dotnet publish "$A2C_ROOT/src/A2C.Cli/A2C.Cli.csproj" -c "$A2C_CONFIGURATION" --use-current-runtime --no-restore \
        -nologo -v q -o "$A2C_CLI_RUN" >"$A2C_ROOT/obj/publish.log" 2>&1 || {
        grep -E 'error|warning' "$A2C_ROOT/obj/publish.log" | sort -u >&2
        a2c_fail "ReadyToRun publish of the CLI failed (full log: obj/publish.log)"
    }
    touch "$A2C_BUILD_STAMP"
}

# True when sources or build settings changed since the last successful build.
a2c_build_is_stale() {
    [[ -f "$A2C_BUILD_STAMP" && -f "$A2C_CLI_OUT/a2c.dll" && -f "$A2C_CLI_RUN/a2c.dll" ]] || return 0
    local newer
    newer=$(cd "$A2C_ROOT" && find src tests bench A2C.sln global.json Directory.Build.props Directory.Build.targets Directory.Packages.props \
        -newer "$A2C_BUILD_STAMP" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null)
    [[ -n "$newer" ]]
}

# Serializes bootstraps of one checkout, so two ./a2c started together do not build over each other.
a2c_lock() {
    mkdir -p "$A2C_ROOT/obj"
    if command -v flock >/dev/null 2>&1; then
        exec {A2C_LOCK_FD}>"$A2C_ROOT/obj/bootstrap.lock"
        flock "$A2C_LOCK_FD"
    fi
}

a2c_unlock() {
    if [[ -n "${A2C_LOCK_FD:-}" ]]; then
        exec {A2C_LOCK_FD}>&-
        unset A2C_LOCK_FD
    fi
}
