#!/bin/sh
# The Debian package (`cpack -G DEB`): its declared dependencies, its
# contents, and -- installed with dpkg on the CI machine -- `aishell
# --version` and `aishell hooks install` from it.  No engine needed.
AIS_TEST_NO_ENGINE=1
. "$(dirname "$0")/lib.sh"

# The version the tree declares, and the libgit2 package this machine builds against.
VERSION=$(sed -n 's/^project(aishell VERSION \([0-9][0-9.]*\).*/\1/p' "$AIS_SRC/CMakeLists.txt")
[ -n "$VERSION" ] || fail "no version in CMakeLists.txt"
# (libgit2 is opened with dlopen(), so ask pkg-config where the library is, not ldd.)
GIT2_LIB=$(readlink -f "$(pkg-config --variable=libdir libgit2)/libgit2.so")
[ -f "$GIT2_LIB" ] || fail "no libgit2 library found with pkg-config"
GIT2_PKG=$(dpkg -S "$(readlink -f "$GIT2_LIB")" | sed -n '1s/:.*//p')
[ -n "$GIT2_PKG" ] || fail "no Debian package holds $GIT2_LIB"

B="$T/pkg"
cmake -S "$AIS_SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$T/cmake.log" 2>&1 ||
	{ cat "$T/cmake.log" >&2; fail "configure failed"; }
cmake --build "$B" -j2 >"$T/build.log" 2>&1 || { tail -20 "$T/build.log" >&2; fail "build failed"; }
(cd "$B" && cpack -G DEB) >"$T/cpack.log" 2>&1 || { cat "$T/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$B"/aishell_*.deb)
[ -f "$deb" ] || fail "no .deb"
expect_eq "$(dpkg-deb -f "$deb" Version)" "$VERSION" "package version"

# Dependencies: every shared library the binary links, and those it opens
# with dlopen() (libarchive, libyaml, libgit2, protobuf-c).
depends=$(dpkg-deb -f "$deb" Depends)
echo "$depends" >"$T/depends"
for lib in libc6 libcurl4 libcjson1 libarchive13 libyaml-0-2 "$GIT2_PKG" libprotobuf-c1 libnghttp2-14 libssl3; do
	expect_in "$T/depends" "$lib"
done

dpkg-deb -c "$deb" >"$T/contents"
for f in ./usr/bin/aishell ./usr/share/man/man1/aishell.1 \
	./usr/share/bash-completion/completions/aishell ./usr/share/zsh/vendor-completions/_aishell \
	./usr/share/doc/aishell/README.md ./usr/share/doc/aishell/ARCHITECTURE.md \
	./usr/share/doc/aishell/COMPATIBILITY.md; do
	expect_in "$T/contents" "$f"
done

dpkg-deb -x "$deb" "$T/root"
expect_rc 0 "$T/root/usr/bin/aishell" --version
expect_in "$T/out" "aishell $VERSION"
expect_in "$T/out" "libarchive 3."

# Installed for real, where that is safe: as root on CI, or when asked.
if [ "$(id -u)" = 0 ] && { [ "${CI:-}" = true ] || [ -n "${AIS_TEST_DPKG:-}" ]; } &&
	! dpkg -s aishell >/dev/null 2>&1; then
	test_cleanup() { dpkg -P aishell >/dev/null 2>&1 || true; }
	dpkg -i "$deb" >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log" >&2; fail "dpkg -i failed"; }
	expect_rc 0 /usr/bin/aishell --version
	expect_in "$T/out" "aishell $VERSION"
	R="$T/repo"
	git init -q "$R"
	expect_rc 0 env -C "$R" /usr/bin/aishell hooks install
	grep -q "/usr/bin/aishell" "$R/.git/hooks/post-checkout" || fail "the shim does not record /usr/bin/aishell"
	expect_rc 0 env -C "$R" /usr/bin/aishell hooks status
	expect_in "$T/out" "/usr/bin/aishell"
	if command -v man >/dev/null; then
		man -w aishell >/dev/null || fail "man cannot find aishell(1)"
	fi
	dpkg -P aishell >/dev/null
	[ ! -e /usr/bin/aishell ] || fail "dpkg -P left /usr/bin/aishell"
else
	echo "t1500-package: not installing with dpkg here (needs root and CI=true or AIS_TEST_DPKG=1)"
fi
