#!/usr/bin/env bash
# TorchSharp 0.107's native shim (libLibTorchSharp.so) needs libstdc++ with symbol version
# GLIBCXX_3.4.32 (GCC 13+). Debian 12 ships GCC 12's. When, and only when, the system's
# libstdc++ lacks that version, build a private copy from Debian 13's gcc-13 source package
# and cache it outside the repo. Sourced by build.sh and ./a2c; prints the directory to put
# on LD_LIBRARY_PATH (empty when the system's libstdc++ is new enough).

A2C_NEEDED_GLIBCXX="GLIBCXX_3.4.32"
A2C_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/a2c"
A2C_LIBSTDCXX_DIR="$A2C_CACHE_DIR/libstdcxx-gcc13"

a2c_log() { printf '[a2c] %s\n' "$*" >&2; }

# Path of the libstdc++.so.6 the dynamic loader would pick for a process of ours.
a2c_system_libstdcxx() {
    local path
    path=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
    if [[ -z "$path" ]]; then
        path=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 / {print $NF; exit}')
    fi
    printf '%s' "$path"
}

a2c_has_symbol_version() { [[ -f "$1" ]] && grep -qa "$A2C_NEEDED_GLIBCXX" "$1"; }

# Reads the system's own Debian mirror from its apt configuration (deb822 or one-line format).
a2c_debian_mirror() {
    local file uri
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$file" ]] || continue
        uri=$(awk '
            /^URIs:/ { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-(security|updates|backports)$/) s = 1 }
            /^$/ { if (u != "" && s && u !~ /security/) { print u; exit } u = ""; s = 0 }
            END { if (u != "" && s && u !~ /security/) print u }' "$file" | head -n1)
        [[ -n "$uri" ]] && { printf '%s' "$uri"; return 0; }
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$file" ]] || continue
        uri=$(awk '$1 == "deb" || $1 == "deb-src" {
                  for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($i ~ /debian\/?$/ && $i !~ /security/) { print $i; exit } break } }' "$file")
        [[ -n "$uri" ]] && { printf '%s' "$uri"; return 0; }
    done
    return 1
}

a2c_native_unavailable() {
    a2c_log "error: cannot build the private libstdc++ that TorchSharp needs on this system: $1"
    a2c_log "TorchSharp 0.107 needs libstdc++ with $A2C_NEEDED_GLIBCXX (GCC 13 or newer); this system's is older."
    a2c_log "Systems that need nothing: Ubuntu 24.04+, Debian 13+, Windows, macOS."
    a2c_log "To build it here: install gcc, g++, make and xz-utils (apt must reach a Debian mirror), then re-run;"
    a2c_log "or put a libstdc++.so.6 that exports $A2C_NEEDED_GLIBCXX in $A2C_LIBSTDCXX_DIR/ and re-run."
    return 1
}

a2c_build_libstdcxx() {
    local started tool mirror work
    started=$(date +%s)
    for tool in apt-get gcc g++ make tar xz; do
        command -v "$tool" >/dev/null 2>&1 || { a2c_native_unavailable "'$tool' is not installed"; return 1; }
    done
    mirror=$(a2c_debian_mirror) || { a2c_native_unavailable "no Debian mirror found in /etc/apt/sources.list*"; return 1; }
    a2c_log "building a private libstdc++ from Debian 13's gcc-13 sources (mirror from apt: $mirror); takes a few minutes once"

    work=$(mktemp -d "${TMPDIR:-/tmp}/a2c-libstdcxx.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" RETURN
    mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src" "$work/build"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" >"$work/apt/sources.list"
    local -a apt_opts=(
        -o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
        -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    if ! apt-get "${apt_opts[@]}" -qq update >"$work/apt.log" 2>&1; then
        cat "$work/apt.log" >&2
        a2c_native_unavailable "apt-get update of a private deb-src list for trixie failed"; return 1
    fi
    if ! (cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only gcc-13 >>"$work/apt.log" 2>&1); then
        cat "$work/apt.log" >&2
        a2c_native_unavailable "apt-get source --download-only gcc-13 failed"; return 1
    fi
    local orig inner
    orig=$(ls "$work"/src/gcc-13_*.orig.tar.* 2>/dev/null | head -n1)
    [[ -n "$orig" ]] || { a2c_native_unavailable "the gcc-13 source package has no orig tarball"; return 1; }
    tar -C "$work/src" -xf "$orig" || { a2c_native_unavailable "cannot unpack $orig"; return 1; }
    inner=$(find "$work/src" -maxdepth 2 -name 'gcc-13*-dfsg.tar.xz' | head -n1)
    [[ -n "$inner" ]] || { a2c_native_unavailable "gcc-13*-dfsg.tar.xz not found in $orig"; return 1; }
    tar -C "$work/src" -xJf "$inner" || { a2c_native_unavailable "cannot unpack $inner"; return 1; }
    local gccsrc
    gccsrc=$(find "$work/src" -maxdepth 1 -type d -name 'gcc-13*' | head -n1)
    [[ -d "$gccsrc/libstdc++-v3" ]] || { a2c_native_unavailable "no libstdc++-v3 in the unpacked sources"; return 1; }

    # Built outside the GCC tree, libstdc++ looks for the threading header libgcc would generate.
    mkdir -p "$work/libgcc"
    cp "$gccsrc/libgcc/gthr-posix.h" "$work/libgcc/gthr-default.h"
    a2c_log "configuring and compiling libstdc++ (make -j$(nproc))"
    if ! (cd "$work/build" &&
        "$gccsrc/libstdc++-v3/configure" --disable-multilib --disable-nls --disable-libstdcxx-pch --disable-static >"$work/build.log" 2>&1 &&
        make -j"$(nproc)" >>"$work/build.log" 2>&1); then
        tail -n 40 "$work/build.log" >&2
        a2c_native_unavailable "compiling libstdc++ failed (log above)"; return 1
    fi
    local built
    built=$(readlink -f "$work/build/src/.libs/libstdc++.so.6")
    a2c_has_symbol_version "$built" || { a2c_native_unavailable "the built libstdc++ does not export $A2C_NEEDED_GLIBCXX"; return 1; }
    mkdir -p "$A2C_LIBSTDCXX_DIR"
    # Copy to a temporary name then rename, so an interrupted build never leaves a half-written cache.
    cp "$built" "$A2C_LIBSTDCXX_DIR/libstdc++.so.6.tmp" && mv "$A2C_LIBSTDCXX_DIR/libstdc++.so.6.tmp" "$A2C_LIBSTDCXX_DIR/libstdc++.so.6"
    a2c_log "private libstdc++ cached in $A2C_LIBSTDCXX_DIR ($(($(date +%s) - started)) s)"
}

# Sets A2C_NATIVE_LIB_DIR to the directory to prepend to LD_LIBRARY_PATH ("" when none is needed).
a2c_ensure_native() {
    A2C_NATIVE_LIB_DIR=""
    [[ "$(uname -s)" == "Linux" ]] || return 0
    local system
    system=$(a2c_system_libstdcxx)
    if [[ -n "$system" ]] && a2c_has_symbol_version "$(readlink -f "$system")"; then
        return 0
    fi
    if ! a2c_has_symbol_version "$A2C_LIBSTDCXX_DIR/libstdc++.so.6"; then
        a2c_log "system libstdc++ (${system:-none found}) lacks $A2C_NEEDED_GLIBCXX, which TorchSharp's native library needs"
        a2c_build_libstdcxx || return 1
    fi
    A2C_NATIVE_LIB_DIR="$A2C_LIBSTDCXX_DIR"
}
