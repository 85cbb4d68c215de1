#!/usr/bin/env bash
# lint-deploy.sh - checks the files of deploy/ with the tools made for them,
# offline (no Docker engine, no systemd as PID 1 here), and that they agree
# with the service (`make lint-deploy`, run by .ci/run):
#
#  systemd   motcua.service: `systemd-analyze verify`; `systemd-analyze
#            security` exposure at most 2.0; and motcua serving a real
#            workload under strace makes only system calls the unit's
#            SystemCallFilter allows, no W+X mapping (MemoryDenyWriteExecute),
#            sockets of the allowed families only, no namespaces.
#  nginx     nginx/motcua.conf: `nginx -t` inside a throwaway http {} with a
#            self-signed certificate made now; client_max_body_size equals the
#            service's body limit.
#  compose   compose.yaml: yamllint, and `docker-compose config` (the Compose
#            schema, offline).
#  container Containerfile: multi-stage debian:12 -> debian:12-slim, non-root
#            USER, HEALTHCHECK on /healthz, apt without recommends and lists
#            removed; the runtime packages are exactly those of the shared
#            libraries the binary needs (readelf NEEDED -> dpkg -S); the build
#            stage's COPY list is enough to build the binary (built from a copy
#            of just those paths).
#  settings  every MOTCUA_* name in the env template, compose file and
#            Containerfile is a setting of `motcua serve --help`.
#
# Installs the lint tools it needs through deploy/deps.sh (apt-get, as root).
# Needs a PostgreSQL for the traced workload: without MOTCUA_TEST_DB it runs
# itself through tests/with-pg.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "${MOTCUA_TEST_DB:-}" ]; then
    exec tests/with-pg.sh "$0" "$@"
fi
"$root/deploy/deps.sh" nginx yamllint docker-compose strace openssl systemd binutils || exit 1
export PATH="$PATH:/usr/sbin:/sbin"
bin=${MOTCUA_BIN:-bin/motcua}
[ -x "$bin" ] || { echo "lint-deploy: $bin not built (make bin/motcua)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/motcua-lint.XXXXXX)
chmod 755 "$tmp"
pass=0 fail=0
srv=
db=lint_deploy_$$
cleanup() {
    [ -n "$srv" ] && kill -9 "$srv" 2>/dev/null
    psql "$MOTCUA_TEST_DB" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
quiet() { "$@" >/dev/null 2>&1; }

body_limit=$("$bin" serve --help | sed -n 's/.*largest request body (\([0-9]*\)).*/\1/p')
check "the service's default body limit is known ($body_limit)" test -n "$body_limit"

# ------------------------------------------------------------------------------------
# systemd
# ------------------------------------------------------------------------------------
echo "lint-deploy: systemd" >&2
unit=deploy/motcua.service
# verify checks that ExecStart exists: point it at the binary built here.
sed "s|^ExecStart=/usr/local/bin/motcua|ExecStart=$root/$bin|" "$unit" > "$tmp/motcua.service"
check "systemd-analyze verify $unit" systemd-analyze verify "$tmp/motcua.service"
systemd-analyze security --offline=yes "$tmp/motcua.service" > "$tmp/security.txt" 2>&1
check "systemd-analyze security: exposure at most 2.0 ($(tail -n 1 "$tmp/security.txt"))" \
    quiet systemd-analyze security --offline=yes --threshold=20 "$tmp/motcua.service"
for d in ExecStart=/usr/local/bin/motcua EnvironmentFile= Restart=on-failure KillSignal=SIGTERM \
         NoNewPrivileges=yes CapabilityBoundingSet= ProtectSystem=strict ProtectHome=yes \
         PrivateTmp=yes PrivateDevices=yes MemoryDenyWriteExecute=yes LockPersonality=yes \
         RestrictNamespaces=yes SystemCallFilter=@system-service; do
    check "$unit has $d" grep -q "^$d" "$unit"
done
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s*$/\1/p' "$unit")
check "TimeoutStopSec ($stop_s s) leaves room for the 30 s drain of serve" test "${stop_s:-0}" -gt 30

# The system calls the filter allows: the unit's SystemCallFilter lines, the
# groups expanded by systemd-analyze itself.
expand() { # expand NAME...: syscall names of groups (@x) and names
    local n
    for n in "$@"; do
        case "$n" in
        @*) systemd-analyze syscall-filter "$n" </dev/null | sed -n 's/^    \([-@a-z0-9_]*\)$/\1/p' |
                while read -r m; do expand "$m"; done ;;
        *) echo "$n" ;;
        esac
    done
}
: > "$tmp/allowed"
while read -r line; do
    spec=${line#SystemCallFilter=}
    if [ "${spec#\~}" != "$spec" ]; then
        # shellcheck disable=SC2086
        expand ${spec#\~} | sort -u > "$tmp/deny"
        sort -u "$tmp/allowed" | comm -23 - "$tmp/deny" > "$tmp/allowed.new"
        mv "$tmp/allowed.new" "$tmp/allowed"
    else
        # shellcheck disable=SC2086
        expand $spec >> "$tmp/allowed"
    fi
done < <(grep '^SystemCallFilter=' "$unit")
sort -u -o "$tmp/allowed" "$tmp/allowed"
check "the filter allows a few hundred system calls ($(wc -l < "$tmp/allowed"))" \
    test "$(wc -l < "$tmp/allowed")" -gt 100

# A workload under strace: start (migrations), every kind of request, SIGTERM.
psql "$MOTCUA_TEST_DB" -qc "CREATE DATABASE $db" >/dev/null || exit 1
conn="$MOTCUA_TEST_DB dbname=$db"
key=$(MOTCUA_DB=$conn "$bin" key create --role admin --label lint 2>/dev/null | awk '{print $NF}')
port=   # below the ephemeral range (32768-60999): no client connection takes it
for _ in $(seq 20); do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
(
    export MOTCUA_DB="$conn" MOTCUA_LISTEN="127.0.0.1:$port" MOTCUA_ACCESS_LOG=1
    exec strace -f -qq -o "$tmp/trace" "$bin" serve 2>"$tmp/serve.log"
) &
spid=$!
for _ in $(seq 100); do
    curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
done
srv=$(pgrep -P "$spid" | head -n 1)
check "motcua serve runs under strace" test -n "$srv"
req() { # req EXPECTED METHOD PATH [CTYPE FILE]
    local want=$1 method=$2 path=$3 args=(-H "Authorization: Bearer $key")
    [ -n "${5:-}" ] && args+=(-H "Content-Type: $4" --data-binary "@$5")
    eq "$method $path" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X "$method" \
        "${args[@]}" "http://127.0.0.1:$port$path")" "$want"
}
"$bin" demo-data --count 3000 --seed 3 --year 2024 > "$tmp/d.ndjson"
head -n 50 "$tmp/d.ndjson" | sed 's/^{"code":"/{"code":"J/' | paste -sd, | sed 's/^/[/; s/$/]/' > "$tmp/d.json"
printf 'code,agency_code,procedure_code,channel,status,received_at\nC-1,000.00.01.H62,1.004227,online,received,2024-03-11 08:00\n' > "$tmp/d.csv"
printf '[{"date":"2024-10-07","working":false,"name":"lint"}]' > "$tmp/cal.json"
printf '[{"procedure_code":"1.004227","duration":3,"duration_unit":"working_days"}]' > "$tmp/proc.json"
printf '[{"metric":"late_rate","op":"<=","target":0.03,"agency":null,"year":null}]' > "$tmp/tgt.json"
req 200 GET /healthz
req 200 GET /readyz
req 200 POST /v1/dossiers application/x-ndjson "$tmp/d.ndjson"
req 200 POST /v1/dossiers application/json "$tmp/d.json"
req 200 POST /v1/dossiers text/csv "$tmp/d.csv"
req 415 POST /v1/dossiers application/xml "$tmp/d.csv"
req 200 PUT /v1/calendar application/json "$tmp/cal.json"
req 200 PUT /v1/procedures application/json "$tmp/proc.json"
req 200 PUT /v1/targets application/json "$tmp/tgt.json"
for p in "/v1/metrics?period=2024&group_by=agency" "/v1/metrics?period=2024-Q2&format=csv" \
         "/v1/metrics/series?period=2024&interval=month" "/v1/rankings?period=2024&by=procedure" \
         "/v1/dossiers?state=overdue&limit=20" "/v1/dossiers/C-1" /v1/targets /v1/procedures \
         "/v1/calendar?year=2024" /v1/audit /metrics /openapi.json; do
    req 200 GET "$p"
done
eq "oversized body refused" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -H "Content-Length: $((body_limit + 1))" --max-time 10 "http://127.0.0.1:$port/v1/dossiers")" 413
kill -TERM "$srv" 2>/dev/null
wait "$spid"
check "motcua exits 0 on SIGTERM under strace" grep -q '+++ exited with 0 +++\|exit_group(0)' "$tmp/trace"
srv=

sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z_0-9]+) resumed>.*/\1/p' \
    "$tmp/trace" | sort -u > "$tmp/used"
check "the trace saw the workload ($(wc -l < "$tmp/used") distinct system calls)" \
    test "$(wc -l < "$tmp/used")" -gt 20
denied=$(comm -23 "$tmp/used" "$tmp/allowed" | tr '\n' ' ')
eq "system calls outside the unit's SystemCallFilter" "$denied" ""
eq "W+X mappings or PROT_EXEC changes (MemoryDenyWriteExecute)" \
    "$(grep -cE '^[0-9]+ +(mmap\(.*PROT_WRITE\|PROT_EXEC|mmap\(.*PROT_EXEC\|.*PROT_WRITE|(pkey_)?mprotect\(.*PROT_EXEC)' "$tmp/trace")" 0
families=$(sed -nE 's/^[0-9]+ +socket\((AF_[A-Z0-9]+).*/\1/p' "$tmp/trace" | sort -u | tr '\n' ' ')
eq "socket families outside RestrictAddressFamilies" \
    "$(echo "$families" | tr ' ' '\n' | grep -vxE 'AF_UNIX|AF_INET|AF_INET6|' | tr '\n' ' ')" ""
eq "namespaces created (RestrictNamespaces)" "$(grep -c 'CLONE_NEW' "$tmp/trace")" 0

# ------------------------------------------------------------------------------------
# nginx
# ------------------------------------------------------------------------------------
echo "lint-deploy: nginx" >&2
ng=$tmp/nginx
mkdir -p "$ng"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=motcua.example.gov.vn \
    -keyout "$ng/privkey.pem" -out "$ng/fullchain.pem" >/dev/null 2>&1
check "a self-signed certificate for the lint" test -s "$ng/fullchain.pem"
sed "s|/etc/ssl/motcua/|$ng/|g" deploy/nginx/motcua.conf > "$ng/motcua.conf"
cat > "$ng/nginx.conf" <<EOF
pid $ng/nginx.pid;
error_log $ng/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $ng/body;
    proxy_temp_path $ng/proxy;
    fastcgi_temp_path $ng/fastcgi;
    uwsgi_temp_path $ng/uwsgi;
    scgi_temp_path $ng/scgi;
    include $ng/motcua.conf;
}
EOF
if nginx -t -q -e "$ng/error.log" -p "$ng" -c "$ng/nginx.conf" > "$ng/t.log" 2>&1; then ok
else bad "nginx -t deploy/nginx/motcua.conf: $(cat "$ng/t.log")"; fi
nginx_max=$(sed -n 's/^ *client_max_body_size \([0-9]*\)m;.*/\1/p' deploy/nginx/motcua.conf)
eq "nginx client_max_body_size = the service's body limit" "$(( ${nginx_max:-0} * 1048576 ))" "$body_limit"
for d in "ssl_protocols TLSv1.2 TLSv1.3;" "Strict-Transport-Security" client_header_timeout \
         client_body_timeout send_timeout proxy_read_timeout proxy_request_buffering \
         X-Forwarded-For "keepalive "; do
    check "nginx/motcua.conf sets $d" grep -q "$d" deploy/nginx/motcua.conf
done

# ------------------------------------------------------------------------------------
# compose
# ------------------------------------------------------------------------------------
echo "lint-deploy: compose" >&2
if yamllint -d '{extends: default, rules: {line-length: {max: 110}, document-start: disable}}' \
        deploy/compose.yaml > "$tmp/yamllint.log" 2>&1; then ok
else bad "yamllint deploy/compose.yaml: $(cat "$tmp/yamllint.log")"; fi
if (cd deploy && MOTCUA_DB_PASSWORD=lint docker-compose -f compose.yaml config -q) \
        > "$tmp/compose.log" 2>&1; then ok
else bad "docker-compose config deploy/compose.yaml: $(cat "$tmp/compose.log")"; fi
(cd deploy && MOTCUA_DB_PASSWORD=lint docker-compose -f compose.yaml config) > "$tmp/compose.txt" 2>/dev/null
check "compose: postgres:15 with a volume" grep -q 'image: postgres:15' "$tmp/compose.txt"
check "compose: motcua waits for a healthy database" grep -q 'condition: service_healthy' "$tmp/compose.txt"
check "compose: no password without MOTCUA_DB_PASSWORD" \
    sh -c '! (cd deploy && env -u MOTCUA_DB_PASSWORD docker-compose -f compose.yaml config -q) 2>/dev/null'
compose_limit=$(sed -n 's/^ *MOTCUA_BODY_LIMIT: "\([0-9]*\)"/\1/p' deploy/compose.yaml)
eq "compose MOTCUA_BODY_LIMIT = the service's body limit" "$compose_limit" "$body_limit"

# ------------------------------------------------------------------------------------
# Containerfile
# ------------------------------------------------------------------------------------
echo "lint-deploy: Containerfile" >&2
cf=deploy/Containerfile
eq "stages" "$(grep -E '^FROM ' "$cf" | tr '\n' ';')" "FROM debian:12 AS build;FROM debian:12-slim;"
final=$(awk '/^FROM /{n++} n==2' "$cf")
user=$(echo "$final" | sed -n 's/^USER \(.*\)/\1/p')
check "the runtime stage runs as a non-root USER ($user)" \
    sh -c "[ -n '$user' ] && [ '${user%%:*}' != root ] && [ '${user%%:*}' != 0 ]"
check "HEALTHCHECK on /healthz" grep -qE '^ *CMD .*/healthz' "$cf"
eq "apt-get install without --no-install-recommends" \
    "$(grep -c 'apt-get install' "$cf") $(grep -c 'apt-get install -y --no-install-recommends' "$cf")" "2 2"
eq "apt lists removed in each stage" "$(grep -c 'rm -rf /var/lib/apt/lists' "$cf")" 2
# The packages of the libraries the binary needs (libc6 is in the base image).
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
want=$(for l in $needed; do
    path=$(ldconfig -p | awk -v l="$l" '$1 == l && /x86-64|x32|64/ {print $NF; exit}')
    [ -n "$path" ] && dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1
done | sort -u | grep -vx libc6 | tr '\n' ' ')
have=$(echo "$final" | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
    grep -E '^lib' | sort -u | tr '\n' ' ')
eq "runtime libraries of the image = the packages of the binary's NEEDED libraries" "$have" "$want"
# The build stage's COPY list is enough: build from a copy of just those paths.
mkdir -p "$tmp/ctx"
for src in $(awk '/^FROM .* AS build/{b=1} /^FROM debian:12-slim/{b=0} b && /^COPY /{print $2}' "$cf"); do
    cp -r "$src" "$tmp/ctx/$src"
done
if make -C "$tmp/ctx" -j2 bin/motcua > "$tmp/ctx.log" 2>&1; then ok
else bad "make bin/motcua from the Containerfile's COPY list: $(tail -n 5 "$tmp/ctx.log")"; fi

# ------------------------------------------------------------------------------------
# settings
# ------------------------------------------------------------------------------------
"$bin" serve --help > "$tmp/help.txt"
for v in $(grep -ohE 'MOTCUA_[A-Z_]+' deploy/motcua.env deploy/compose.yaml "$cf" | sort -u); do
    [ "$v" = MOTCUA_DB_PASSWORD ] && continue   # compose's own variable, not a setting
    check "$v is a setting of motcua serve" grep -qw "$v" "$tmp/help.txt"
done
env_limit=$(sed -n 's/^MOTCUA_BODY_LIMIT=\([0-9]*\)$/\1/p' deploy/motcua.env)
eq "motcua.env MOTCUA_BODY_LIMIT = the service's body limit" "$env_limit" "$body_limit"

echo "lint-deploy: $pass passed, $fail failed"
[ "$fail" = 0 ]
