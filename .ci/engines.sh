# Engines for the engine tests (sourced by .ci/run): a PostgreSQL server on loopback and a Java
# runtime for Spark. Installs from Debian when missing, starts a throwaway cluster in a temporary
# folder (trust authentication, 127.0.0.1 only, a free port), exports LINEWISE_TEST_POSTGRES and
# stops the server when the calling script exits. Under CI=true the engine tests fail, not skip,
# when an engine is missing, so a broken set-up here cannot pass unnoticed.

_lw_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
_lw_t0=$(date +%s)
_lw_need=()
command -v java >/dev/null 2>&1 || _lw_need+=(openjdk-17-jre-headless)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || _lw_need+=(postgresql)
if [ ${#_lw_need[@]} -gt 0 ]; then
    echo "engines: installing ${_lw_need[*]}"
    _lw_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _lw_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${_lw_need[@]}" >/dev/null
fi
_lw_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
LINEWISE_PG_DIR=$(mktemp -d /tmp/linewise-ci-pg.XXXXXX)
_lw_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
_lw_as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$LINEWISE_PG_DIR"; _lw_as=(runuser -u postgres --); fi
"${_lw_as[@]}" "$_lw_bin/initdb" -D "$LINEWISE_PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
"${_lw_as[@]}" "$_lw_bin/pg_ctl" -D "$LINEWISE_PG_DIR/data" -l "$LINEWISE_PG_DIR/log" -w \
    -o "-p $_lw_port -k $LINEWISE_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
_lw_stop_pg() { "${_lw_as[@]}" "$_lw_bin/pg_ctl" -D "$LINEWISE_PG_DIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$LINEWISE_PG_DIR"; }
trap _lw_stop_pg EXIT
export LINEWISE_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$_lw_port/postgres"
echo "engines: PostgreSQL $("$_lw_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$_lw_port, $(java -version 2>&1 | head -1); set-up $(( $(date +%s) - _lw_t0 ))s"
