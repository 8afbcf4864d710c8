#!/bin/sh
# meson install script: put example configuration files in place under
# SYSCONFDIR/ballast unless one of that name is there already, so an
# operator's edits survive a reinstall (install_data() would overwrite
# them). DESTDIR is honoured as meson sets it.
#   install-config.sh SYSCONFDIR FILE...
set -eu
directory="${DESTDIR:-}$1/ballast"
shift
mkdir -p "$directory"
for file in "$@"; do
    target="$directory/$(basename "$file")"
    if [ -e "$target" ]; then
        echo "ballast: keeping the existing $target"
    else
        install -m 0644 "$file" "$target"
    fi
done
