#!/bin/sh
# Runs its arguments as the unprivileged user `node` (uid 1000), the container's user.
#
# Started as root (the image's default), it first makes the directories the bot writes usable by
# `node`: a directory Docker creates on the host for a bind mount (./workspace, ./data when missing)
# is empty and owned by root, so it is handed to `node`. A non-empty directory is never chowned (it
# is someone's files): it gets one line saying what to run on the host, and `doctor` fails on it.
# Then it drops to `node` with setpriv (util-linux, in every Debian image), HOME set to node's home.
# Started as another user (`user:` in compose, `docker run -u`), it just runs its arguments.
# BRIDGE_USER and BRIDGE_DIRS override the user and the directories (the tests use them).
set -eu

user="${BRIDGE_USER:-node}"
dirs="${BRIDGE_DIRS:-/app/data /workspace /home/node/.claude}"

if [ "$(id -u)" != 0 ]; then
  exec "$@"
fi

for dir in $dirs; do
  mkdir -p "$dir"
  if ! setpriv --reuid="$user" --regid="$user" --init-groups test -w "$dir"; then
    if [ -z "$(ls -A "$dir")" ]; then
      chown "$user:$user" "$dir"
    else
      echo "claude-bridge: $dir is not writable by the container's user $user (uid $(id -u "$user")). On the host: sudo chown -R $(id -u "$user"):$(id -g "$user") <the directory mounted at $dir>" >&2
    fi
  fi
done

HOME="$(getent passwd "$user" | cut -d: -f6)"
export HOME USER="$user" LOGNAME="$user"
exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
