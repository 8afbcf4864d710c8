#!/usr/bin/env bash
# `meson install` into a DESTDIR: binaries, manual pages, the systemd unit,
# tmpfiles.d, bash completion and the example configuration all land where
# they belong, and what they say matches the binaries they come with.
source "$(dirname "$0")/lib.sh"
command -v meson >/dev/null || skip "meson is not on PATH"

DEST="${WORK}/dest"
set +e
DESTDIR="${DEST}" meson install -C "${BUILD_DIR}" --no-rebuild --quiet > "${WORK}/install.log" 2>&1
status=$?
set -e
[ "${status}" -eq 0 ] || cat "${WORK}/install.log"
check "meson install succeeds" test "${status}" -eq 0

# Where the build put them: below its prefix, sysconfdir possibly outside.
prefix="$(meson introspect "${BUILD_DIR}" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')"
sysconfdir="$(meson introspect "${BUILD_DIR}" --buildoptions | python3 -c 'import json,sys,os; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(os.path.join(o["prefix"], o["sysconfdir"]))')"
P="${DEST}${prefix}"
for file in sbin/ballastd bin/ballastctl \
            share/man/man8/ballastd.8 share/man/man1/ballastctl.1 share/man/man5/ballast-policy.5 \
            lib/systemd/system/ballastd.service lib/tmpfiles.d/ballast.conf \
            share/bash-completion/completions/ballastctl \
            share/doc/ballast/examples/ballastd.conf share/doc/ballast/examples/policy.xml; do
    check "installed: ${file}" test -s "${P}/${file}"
done
check "installed: ${sysconfdir}/ballast/ballastd.conf" test -s "${DEST}${sysconfdir}/ballast/ballastd.conf"
check "installed binaries run" "${P}/sbin/ballastd" --version

UNIT="${P}/lib/systemd/system/ballastd.service"
check "unit: starts the installed ballastd" grep -qx "ExecStart=${prefix}/sbin/ballastd --foreground" "${UNIT}"
for line in After=libvirtd.service Wants=libvirtd.service Restart=on-failure RuntimeDirectory=ballast \
            'ExecReload=/bin/kill -HUP $MAINPID' WantedBy=multi-user.target; do
    check "unit: ${line}" grep -qxF -- "${line}" "${UNIT}"
done
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
    check "unit: systemd-analyze verify" systemd-analyze verify "${UNIT}"
fi
check "tmpfiles: the socket directory" grep -qx 'd /run/ballast 0755 root root -' "${P}/lib/tmpfiles.d/ballast.conf"

for page in man8/ballastd.8 man1/ballastctl.1 man5/ballast-policy.5; do
    check "man ${page}: renders without warnings" \
        bash -c 'test -z "$(MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null)"' _ "${P}/share/man/${page}"
done

# The example configuration: every key ballastd has (its long options but
# the ones that only make sense on a command line), and nothing else...
EXAMPLE="${P}/share/doc/ballast/examples/ballastd.conf"
keys_in_example="$(sed -nE 's/^#([a-z-]+) = .*/\1/p' "${EXAMPLE}" | sort)"
options_of_ballastd="$("${P}/sbin/ballastd" --help | sed -nE 's/^ +(-[a-zA-Z1], )?--([a-z-]+).*/\2/p' \
    | grep -vxE 'help|help-all|config|once|foreground|verbose|version' | sort)"
diff <(echo "${keys_in_example}") <(echo "${options_of_ballastd}") || true
check "example config: one key per ballastd option" test "${keys_in_example}" = "${options_of_ballastd}"
# ...with values ballastd accepts: uncommented, it loads (the command line
# redirects what would reach outside the test), with the example policy.
sed -E 's/^#([a-z-]+ = )/\1/' "${EXAMPLE}" > "${WORK}/ballastd.conf"
fake_host 16777216 8388608
set +e
"${P}/sbin/ballastd" --config "${WORK}/ballastd.conf" --connect test:///default --once \
    --policy "${P}/share/doc/ballast/examples/policy.xml" --metrics-textfile "${WORK}/m.prom" \
    --record "${WORK}/cycles.trace" \
    > "${WORK}/once.log" 2>&1
status=$?
set -e
[ "${status}" -eq 0 ] || cat "${WORK}/once.log"
check "example config and policy load (ballastd --once exits 0)" test "${status}" -eq 0
check "example config applied (reserve = 2G)" grep -q '^Reserve: *2.0 GiB' "${WORK}/once.log"

# A reinstall keeps an operator's configuration.
echo "# edited by the operator" >> "${DEST}${sysconfdir}/ballast/ballastd.conf"
DESTDIR="${DEST}" meson install -C "${BUILD_DIR}" --no-rebuild --quiet > /dev/null 2>&1
check "reinstall keeps an edited ${sysconfdir}/ballast/ballastd.conf" \
    grep -qx '# edited by the operator' "${DEST}${sysconfdir}/ballast/ballastd.conf"

# bash completion as installed: loads, and registers for ballastctl.
check "bash completion: registers" bash -c 'source "$1" && complete -p ballastctl | grep -q _ballastctl' _ \
    "${P}/share/bash-completion/completions/ballastctl"
finish
