#!/usr/bin/env bash
# ballastctl's interactive shell through a real pseudo-terminal (tmux): a
# command, tab completion of a command, a domain and an option, the
# history (in the session and persisted), line editing, ctrl-c, errors
# that leave the shell running, quit and ctrl-d. Then the shell fed by a
# pipe, as scripts use it, and completion as bash gets it.
source "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "tmux is not installed"
DATA_DIR="$(cd "$(dirname "$0")/../../data" && pwd)"

fake_host 16777216 8388608
start_ballastd --connect test:///default --dry-run --interval 0.5

# ------------------------------------------------------------ piped mode --
set +e
out="$(printf 'status\nlist\n# a comment\n\nfrobnicate\ndominfo "test"\n' | ctl 2>"${WORK}/piped.err")"
status=$?
set -e
check "piped: runs every command" bash -c 'grep -q "^Daemon:" <<<"$1" && grep -q "^ test " <<<"$1" && grep -Eq "^Name: +test" <<<"$1"' _ "${out}"
check "piped: no prompt, no banner" bash -c '! grep -Eq "ballast [#$]|Welcome" <<<"$1"' _ "${out}"
check "piped: an error is one line and the rest still runs" test "$(cat "${WORK}/piped.err")" = "error: unknown command: 'frobnicate'"
check "piped: exit status of the last command" test "${status}" -eq 0
set +e; printf 'status\ndominfo nope\n' | ctl >/dev/null 2>&1; status=$?; set -e
check "piped: last command failed: its status (5)" test "${status}" -eq 5
check "piped: quit stops reading" test -z "$(printf 'quit\nstatus\n' | ctl)"

# ------------------------------------------------ completion for scripts --
check "complete: command names" bash -c 'out="$("$@" complete -- dom)"; grep -qx dominfo <<<"$out" && grep -qx domhistory <<<"$out" && ! grep -qx status <<<"$out"' _ "${BALLASTCTL}" -s "${SOCKET}"
check "complete: domain names from ballastd" test "$(ctl complete -- dominfo '')" = test
check "complete: a command's options" test "$(ctl complete -- list --w)" = --wide
check "complete: options already given are not offered again" test "$(ctl complete -- list --all --)" = --wide
check "complete: an option's value is not guessed" test -z "$(ctl complete -- domhistory test --limit '')"
check "complete: help COMMAND" test "$(ctl complete -- help stat)" = status
check "complete: the hidden helper is not offered" test -z "$(ctl complete -- comp)"

completion_of() { # WORDS... : what the bash completion script offers for the last
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ballastctl; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "${DATA_DIR}/ballastctl.bash-completion" "$@"
}
check "bash completion: a domain" test "$(completion_of "${BALLASTCTL}" -s "${SOCKET}" dominfo t)" = test
check "bash completion: a command" test "$(completion_of "${BALLASTCTL}" -s "${SOCKET}" stat)" = status
check "bash completion: an option" test "$(completion_of "${BALLASTCTL}" -s "${SOCKET}" list --a)" = --all
check "bash completion: global options" bash -c 'grep -qx -- --json <<<"$1"' _ "$(completion_of "${BALLASTCTL}" --j)"

# ------------------------------------------------------ interactive mode --
# A tmux server per session: a new one on the socket of a server still
# shutting down would be told "server exited unexpectedly".
SESSION=0
tm() { tmux -S "${WORK}/tmux-${SESSION}.sock" "$@"; }
trap 'for s in "${WORK}"/tmux-*.sock; do tmux -S "$s" kill-server 2>/dev/null || true; done; cleanup' EXIT

start_shell() {
    tm kill-server 2>/dev/null || true
    SESSION=$((SESSION + 1))
    tm new-session -d -x 160 -y 50 -s shell \
        "env XDG_CACHE_HOME='${WORK}/cache' '${BALLASTCTL}' -s '${SOCKET}'; echo SHELL-EXITED \$?; sleep 120"
}
screen() { tm capture-pane -p -t shell -S -200; }
# The line being edited: the last non-empty row, trailing blanks trimmed.
current_line() { screen | sed 's/ *$//' | grep -v '^$' | tail -n 1; }
line_is() { test "$(current_line)" = "$(sed 's/ *$//' <<<"$1")"; }
screen_has() { screen | grep -Eq -- "$1"; }
screen_has_text() { screen | grep -qF -- "$1"; }
count() { screen | grep -Ec -- "$1" || true; }
keys() { tm send-keys -t shell "$@"; sleep 0.15; }
# virsh's convention: "#" for root, "$" for anyone else.
if [ "$(id -u)" -eq 0 ]; then P='ballast #'; else P='ballast $'; fi

start_shell
check "prompt shown" wait_for 10 line_is "${P} "
check "banner" screen_has "^Welcome to ballastctl"

keys 'sta' Tab
check "tab completes a command name" wait_for 5 line_is "${P} status"
keys Enter
check "the command runs" wait_for 5 screen_has '^Daemon: +dry-run'
check "prompt again after it" wait_for 5 line_is "${P} "

keys 'dominfo te' Tab
check "tab completes a domain name" wait_for 5 line_is "${P} dominfo test"
keys Enter
check "dominfo ran" wait_for 5 screen_has '^Name: +test'

keys 'd' Tab
check "tab completes the common prefix" wait_for 5 line_is "${P} dom"
keys Tab
check "a second tab lists the choices" wait_for 5 screen_has 'domhistory +dominfo'
keys C-u 'list --a' Tab
check "tab completes an option" wait_for 5 line_is "${P} list --all"
keys C-u

keys Up
check "up recalls the last command" wait_for 5 line_is "${P} dominfo test"
keys Up
check "up again, the one before" wait_for 5 line_is "${P} status"
keys Down
check "down comes back" wait_for 5 line_is "${P} dominfo test"
keys Enter
check "a recalled command runs" wait_for 5 test "$(count '^Name: +test')" -eq 2

# Editing: sttus -> status by inserting in the middle; then a stray
# character at the start, deleted again with Delete.
keys 'sttus' Left Left Left 'a'
check "insert in the middle" wait_for 5 line_is "${P} status"
keys C-a 'x'
check "ctrl-a goes to the start" wait_for 5 line_is "${P} xstatus"
keys C-a DC End
check "delete removes under the cursor" wait_for 5 line_is "${P} status"
keys ' extra words' C-w C-w
check "ctrl-w deletes words" wait_for 5 line_is "${P} status"
keys Enter
check "the edited line runs" wait_for 5 test "$(count '^Daemon: +dry-run')" -eq 2

keys 'garbage' C-c
check "ctrl-c abandons the line" wait_for 5 line_is "${P} "
check "ctrl-c shows ^C" screen_has_text "${P} garbage^C"
check "nothing ran" test "$(count "unknown command: 'garbage'")" -eq 0

keys 'frobnicate' Enter
check "an unknown command is an error" wait_for 5 screen_has "^error: unknown command: 'frobnicate'$"
keys 'list --bogus' Enter
check "a usage error is one line" wait_for 5 screen_has "^error: command 'list' doesn't support option --bogus$"
check "no hint for the command line" test "$(count "Try 'ballastctl help")" -eq 0
check "the shell goes on" wait_for 5 line_is "${P} "

keys 'quit' Enter
check "quit leaves with status 0" wait_for 5 screen_has '^SHELL-EXITED 0$'

HISTORY="${WORK}/cache/ballast/history"
# libedit's history file: a "_HiStOrY_V2_" line, then an entry a line with
# blanks and backslashes escaped (vis(3): "dominfo\040test").
entries() { tail -n +2 "${HISTORY}" | sed 's/\\040/ /g'; }
check "history saved in XDG_CACHE_HOME" test -f "${HISTORY}"
check "history private (0600)" test "$(stat -c %a "${HISTORY}")" = 600
check "history in libedit's format" test "$(head -n 1 "${HISTORY}")" = _HiStOrY_V2_
check "history has the commands, trimmed" bash -c 'grep -qx "dominfo test" <<<"$1"' _ "$(entries)"
check "history has no repeats in a row" test "$(entries | grep -cx 'dominfo test')" -eq 1
check "history has no abandoned line" test "$(entries | grep -c garbage)" -eq 0

# A new session starts with the saved history; ctrl-d on an empty line leaves.
start_shell
check "second session: prompt" wait_for 10 line_is "${P} "
keys Up
check "second session: history loaded" wait_for 5 line_is "${P} quit"
keys Up
check "second session: and older entries" wait_for 5 line_is "${P} list --bogus"
keys C-u C-d
check "ctrl-d on an empty line leaves" wait_for 5 screen_has '^SHELL-EXITED 0$'

# A history file from before libedit (plain lines) is read, and the
# history keeps its newest 500 entries.
seq 1 600 | sed 's/^/dominfo guest-/' >"${HISTORY}"
start_shell
check "plain history: prompt" wait_for 10 line_is "${P} "
keys Up
check "plain history: the newest line first" wait_for 5 line_is "${P} dominfo guest-600"
keys C-u 'quit' Enter
check "plain history: saved again" wait_for 5 screen_has '^SHELL-EXITED 0$'
check "history: at most 500 entries" test "$(entries | wc -l)" -eq 500
check "history: the newest kept" test "$(entries | tail -n 2 | head -n 1)" = 'dominfo guest-600'
finish
