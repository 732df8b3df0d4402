#!/usr/bin/env bash
# Issue 5's proof: build the Dockerfile with podman (there is no Docker engine here), then, inside the image, run
# `lms-pipeline --help` and a fixture load into the CI PostgreSQL, and count the loaded rows from outside.
# Needs root and the package registries only. Idempotent: the Debian base is cached, the project image is not.
set -euo pipefail

cd "$(dirname "$0")/.."
FIXTURE=$(realpath "${LMS_CONTAINER_FIXTURE:-tests/fixtures/lms-toolkit/starter-kit-sample}")
CACHE=/var/cache/lms-pipeline-ci
IMAGE=localhost/lms-pipeline:ci
DB=lms_container_ci
PG=(-h 127.0.0.1 -p 5432 -U postgres)
# Row counts of the fixture, as the host's own `lms-pipeline load` of the same tree gives them.
EXPECTED="lmsuser=49 lmssection=6 assignment=24 assignmentsubmission=901"

start=$SECONDS
say() { printf '[container %3ds] %s\n' $((SECONDS - start)) "$*"; }
work=$(mktemp -d)
ctr=
cleanup() {
  [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null
  rm -rf "$work"
  dropdb "${PG[@]}" --if-exists "$DB"
}
trap cleanup EXIT

missing=()
for tool in podman buildah debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The stand-in for python:3.11-slim-bookworm (Docker Hub is out of reach): Debian's minbase plus its python3, with
# the updates and security suites, like the official image. Its tag carries a hash of this recipe, so a change
# rebuilds it.
BASE_SOURCES='Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
BASE_RECIPE='FROM localhost/debian-bookworm-minbase:python3
ENV LANG=C.UTF-8
COPY debian.sources /etc/apt/sources.list.d/debian.sources
RUN rm -f /etc/apt/sources.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD ["python3"]'
DEBOOTSTRAP_ARGS=(--variant=minbase --include=python3 bookworm)
BASE_IMAGE=localhost/python-bookworm-local:3.11-$(printf '%s' "$BASE_RECIPE$BASE_SOURCES" | sha256sum | cut -c1-12)
MINBASE_TAR=$CACHE/debian-minbase-$(printf '%s' "${DEBOOTSTRAP_ARGS[*]}" | sha256sum | cut -c1-12).tar

if podman image exists "$BASE_IMAGE"; then
  say "base image $BASE_IMAGE cached"
else
  if [ ! -s "$MINBASE_TAR" ]; then
    say "debootstrap bookworm minbase"
    mkdir -p "$CACHE"
    debootstrap "${DEBOOTSTRAP_ARGS[@]}" "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log"; exit 1; }
    rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
    tar -C "$work/rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$MINBASE_TAR.part" .
    mv "$MINBASE_TAR.part" "$MINBASE_TAR"
  fi
  say "import and build $BASE_IMAGE"
  podman import -q "$MINBASE_TAR" localhost/debian-bookworm-minbase:python3 >/dev/null
  mkdir "$work/base"
  printf '%s\n' "$BASE_RECIPE" >"$work/base/Containerfile"
  printf '%s\n' "$BASE_SOURCES" >"$work/base/debian.sources"
  podman build --isolation chroot --network host --layers=false --force-rm -t "$BASE_IMAGE" "$work/base" \
    >"$work/base.log" 2>&1 || { tail -40 "$work/base.log"; exit 1; }
  podman rmi localhost/debian-bookworm-minbase:python3 >/dev/null
fi

# pip reaches the index only through the host's CA bundle, and RUN steps see no --env: mount the bundle over the
# base image's own and name it in a mounted /etc/pip.conf. buildah 1.28 leaves a new mount target behind as an empty
# file, so /etc/pip.conf stays in this CI image as an empty (inert) file; the CA target already exists.
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$work/pip.conf"
old_image=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
say "build $IMAGE from the Dockerfile"
podman build --isolation chroot --network host --layers=false --force-rm --pull=never --format docker \
  --build-arg BASE_IMAGE="$BASE_IMAGE" \
  -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro -v "$work/pip.conf":/etc/pip.conf:ro \
  -t "$IMAGE" -f Dockerfile . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
new_image=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then podman rmi -f "$old_image" >/dev/null; fi
say "built $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B"

# podman run fails here (crun may not set RLIMIT_NOFILE in this sandbox); buildah run uses the image's user and env.
ctr=$(buildah from --pull-never "$IMAGE")
inside() { buildah run --isolation chroot --network host -v "$FIXTURE":/extracts/fixture:ro "$@"; }

say "check the image: no compiler, pip cache, pip config or apt lists; non-root; ODBC drivers; writable /data"
inside --user 0:0 "$ctr" -- sh -ec '
  for c in gcc cc c++ make; do if command -v "$c"; then echo "compiler left: $c"; exit 1; fi; done
  if find / -xdev -type d -path "*/.cache/pip" | grep .; then echo "pip cache left"; exit 1; fi
  if [ -s /etc/pip.conf ]; then echo "pip.conf left"; exit 1; fi
  if [ -n "$(ls -A /var/lib/apt/lists)" ]; then echo "apt lists left"; exit 1; fi'
inside "$ctr" -- sh -ec '
  test "$(id -u)" = 10001
  odbcinst -q -d -n FreeTDS >/dev/null
  python -c "import pyodbc, sys; sys.exit(\"FreeTDS\" not in pyodbc.drivers())"
  touch /data/prefect/.probe /data/results/.probe
  rm /data/prefect/.probe /data/results/.probe'

say "lms-pipeline --help"
inside "$ctr" -- lms-pipeline --help | grep '^  *load ' >/dev/null

say "load the fixture into $DB"
dropdb "${PG[@]}" --if-exists "$DB"
createdb "${PG[@]}" "$DB"
inside "$ctr" -- lms-pipeline load --csvpath /extracts/fixture --engine postgresql --server 127.0.0.1 --port 5432 \
  --dbname "$DB" --username postgres --password '' >"$work/load.log" 2>&1 || loaded=$?
# 3: completed with warnings, as a fixture of years-old extracts must (README: exit codes).
[ "${loaded:-0}" -eq 3 ] || [ "${loaded:-0}" -eq 0 ] || { tail -40 "$work/load.log"; exit 1; }

actual=$(psql "${PG[@]}" -d "$DB" -Atc "
  select string_agg(t || '=' || n, ' ' order by o) from (
    select 1 o, 'lmsuser' t, count(*) n from lms.lmsuser union all
    select 2, 'lmssection', count(*) from lms.lmssection union all
    select 3, 'assignment', count(*) from lms.assignment union all
    select 4, 'assignmentsubmission', count(*) from lms.assignmentsubmission) c")
if [ "$actual" != "$EXPECTED" ]; then
  say "FAIL: rows $actual, expected $EXPECTED"; tail -40 "$work/load.log"; exit 1
fi
say "OK: $actual"
