#!/usr/bin/env bash
# The one entry point: ./build.sh [test [--all]|build|format|clean] [--help]
set -euo pipefail

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/scripts/bootstrap.sh"
cd "$A2C_ROOT"

usage() {
    cat <<'USAGE'
Usage: ./build.sh [COMMAND]

Commands:
  test      (default) check the SDK, restore packages and tools, make TorchSharp's native
            library loadable, build Release, install the Python bridge's Debian packages when
            missing (apt, as root or with sudo), check formatting, run every test project, and
            print one final line "N passed, N failed" summing them. Non-zero exit on any failure.
            Runs the quick subset of the long fault suites (3 kill-and-resume cycles).
  test --all
            the same with the full fault suites (20 kill-and-resume cycles, about a minute more).
  build     the same steps up to and including the Release build.
  format    format the sources in place (Fantomas for F#, dotnet format for C#).
  bench     build, then run the BenchmarkDotNet micro-benchmarks (arguments after `bench` go to
            BenchmarkDotNet, default: --filter '*'). Not part of `test`; see docs/benchmarks.md.
  clean     remove build outputs (bin/, obj/). The libstdc++ and NuGet caches are kept.
  --help    show this help.

Environment:
  CI=true   restore in locked mode: packages.lock.json files must match the package graph.
  A2C_TEST_ALL=1
            what `test --all` sets: the test apps run their full suites.
  A2C_KILL_SEED=N
            replay the kill-and-resume suite's kill moments (its failures print the seed).
USAGE
}

readonly TEST_PROJECTS=(A2C.Core.Tests A2C.Envs.Tests A2C.Training.Tests A2C.Policy.Tests A2C.Cli.Tests)
readonly CSHARP_PROJECTS=(src/A2C.Envs/A2C.Envs.csproj src/A2C.Policy/A2C.Policy.csproj src/A2C.Training/A2C.Training.csproj src/A2C.Cli/A2C.Cli.csproj bench/A2C.Benchmarks/A2C.Benchmarks.csproj)

prepare() {
    local started
    a2c_check_sdk
    a2c_lock
    a2c_log "restoring packages and tools"
    a2c_restore
    started=$(date +%s)
    a2c_native
    a2c_native_summary
    a2c_log "native check took $(($(date +%s) - started)) s"
    a2c_log "building ($A2C_CONFIGURATION)"
    a2c_build
    a2c_unlock
}

# Returns non-zero when a source file is not formatted as the house style says.
check_format() {
    local ok=0 project
    if ! dotnet fantomas --check src tests bench; then
        a2c_log "F# sources need formatting: run ./build.sh format"
        ok=1
    fi
    for project in "${CSHARP_PROJECTS[@]}"; do
        if ! dotnet format "$project" --verify-no-changes --no-restore; then
            a2c_log "C# sources in $project need formatting: run ./build.sh format"
            ok=1
        fi
    done
    # The examples are file-based apps, outside any project: whitespace only.
    if ! dotnet format whitespace examples --folder --verify-no-changes; then
        a2c_log "C# examples need formatting: run ./build.sh format"
        ok=1
    fi
    return "$ok"
}

format_sources() {
    local project
    dotnet fantomas src tests bench
    for project in "${CSHARP_PROJECTS[@]}"; do
        dotnet format "$project" --no-restore
    done
    dotnet format whitespace examples --folder
}

# Runs one Expecto test app and adds its counts to the totals. An app that crashes before
# printing Expecto's summary counts as one failure, so a broken test app can never look green.
passed=0 failed=0 skipped=0
run_test_project() {
    local name="$1" dll log summary
    dll="$A2C_ROOT/tests/$name/bin/$A2C_CONFIGURATION/net10.0/$name.dll"
    log="$A2C_ROOT/obj/$name.log"
    a2c_log "running $name"
    set +e
    # Expecto still emits colour resets with --colours 0; strip them so logs and CI read clean.
    dotnet "$dll" --colours 0 --no-spinner --fail-on-focused-tests 2>&1 | sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g' | tee "$log"
    local code=${PIPESTATUS[0]}
    echo
    set -e
    summary=$(grep -Eo '[0-9]+ passed, [0-9]+ ignored, [0-9]+ failed, [0-9]+ errored' "$log" | tail -n1 || true)
    if [[ -z "$summary" ]]; then
        a2c_log "$name exited with code $code without an Expecto summary: counted as 1 failure"
        failed=$((failed + 1))
        return
    fi
    local p i f e
    read -r p i f e < <(sed -E 's/([0-9]+) passed, ([0-9]+) ignored, ([0-9]+) failed, ([0-9]+) errored/\1 \2 \3 \4/' <<<"$summary")
    passed=$((passed + p))
    skipped=$((skipped + i))
    failed=$((failed + f + e))
    if [[ "$code" -ne 0 && $((f + e)) -eq 0 ]]; then
        a2c_log "$name exited with code $code although its summary shows no failure: counted as 1 failure"
        failed=$((failed + 1))
    fi
}

run_tests() {
    local format_failed=0 project
    # The Python bridge's test needs Debian's python3-grpcio, python3-protobuf and protoc.
    "$A2C_ROOT/scripts/python-deps.sh" ||
        a2c_log "warning: could not install the Python bridge's packages (needs root or sudo); its tests will fail: apt-get install python3-grpcio python3-protobuf protobuf-compiler"
    a2c_log "checking formatting"
    check_format || format_failed=1
    for project in "${TEST_PROJECTS[@]}"; do
        run_test_project "$project"
    done
    if [[ "$format_failed" -ne 0 ]]; then
        a2c_log "formatting check failed: counted as 1 failure"
        failed=$((failed + 1))
    fi
    if [[ "$skipped" -gt 0 ]]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [[ "$failed" -eq 0 ]]
}

clean() {
    a2c_check_sdk
    dotnet clean A2C.sln -c "$A2C_CONFIGURATION" -nologo -v q >/dev/null 2>&1 || true
    find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
    rm -rf "$A2C_ROOT/obj"
    a2c_log "removed bin/ and obj/ (kept the NuGet cache and $A2C_LIBSTDCXX_DIR)"
}

main() {
    local command="${1:-test}"
    case "$command" in
        test)
            shift || true
            case "${1:-}" in
                "") ;;
                --all) export A2C_TEST_ALL=1 ;;
                *)
                    usage >&2
                    a2c_fail "unknown option '$1' for test"
                    ;;
            esac
            prepare
            run_tests
            ;;
        build) prepare ;;
        bench)
            shift
            prepare
            if [[ $# -eq 0 ]]; then set -- --filter '*'; fi
            dotnet "$A2C_ROOT/bench/A2C.Benchmarks/bin/$A2C_CONFIGURATION/net10.0/A2C.Benchmarks.dll" "$@"
            ;;
        format)
            a2c_check_sdk
            a2c_lock
            a2c_restore quiet
            format_sources
            ;;
        clean) clean ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            a2c_fail "unknown command '$command'"
            ;;
    esac
}

main "$@"
