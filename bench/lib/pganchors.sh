#!/usr/bin/env bash
# The anchors of the pgbench figures, as processes of their own so each one's CPU time is its PostgreSQL work alone:
# HAProxy (1 thread, mode tcp) and nginx stream (1 worker) in front of a PostgreSQL on loopback, with the client
# keepalive of shared/bench/anchors.sh (300 s / 30 s / 3).
#   pganchors.sh DIR PG_PORT HAPROXY_PORT NGINX_PORT
# Writes its configs and the pid files haproxy.pid and nginx.pid (the nginx master; its worker is its child) to DIR.
# The caller stops them by those pid files.
set -euo pipefail
D=$1 PG=$2 HA=$3 NG=$4
mkdir -p "$D"
cat > "$D/haproxy.cfg" <<HA
global
  maxconn 9500
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  option clitcpka
  clitcpka-idle 300s
  clitcpka-intvl 30s
  clitcpka-cnt 3
frontend fe_pg
  bind 127.0.0.1:$HA backlog 65535
  default_backend be_pg
backend be_pg
  server s1 127.0.0.1:$PG
HA
cat > "$D/nginx.conf" <<NG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/nginx.err warn;
events { worker_connections 19000; }
worker_rlimit_nofile 20000;
stream { server { listen 127.0.0.1:$NG backlog=65535 so_keepalive=300s:30s:3; proxy_pass 127.0.0.1:$PG; } }
NG
ulimit -n 20000
haproxy -D -f "$D/haproxy.cfg" -p "$D/haproxy.pid"
nginx -c "$D/nginx.conf"
echo "up: pgbench anchors haproxy $HA, nginx $NG -> PostgreSQL $PG"
