#!/usr/bin/env bash
# `npm run zipkin`: a local Zipkin (trace UI) on http://127.0.0.1:9411/zipkin/, in the foreground.
# `npm start` / `npm run dev` in another terminal see it and point daprd and the app at it.
# The server is Zipkin's own executable jar from Maven Central (pinned, checksum-verified), kept in
# the ignored .data/zipkin; Java 17+ comes from Debian when missing. Storage is in memory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=3.6.1
sha256=d8326e0ed4f43855dba81228f688554706e52578a7c782d9a90b73f8680654a1
dir=$root/.data/zipkin
jar=$dir/zipkin-server-$version-exec.jar
port=${ZIPKIN_PORT:-9411}

say() { printf '[zipkin] %s\n' "$*" >&2; }

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Zipkin $version needs Java 17 or newer: installing openjdk-17-jre-headless from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else
    say "error: Zipkin $version needs Java 17 or newer. Install it: sudo apt-get install openjdk-17-jre-headless"
    exit 1
  fi
fi

if ! echo "$sha256  $jar" | sha256sum -c --status 2>/dev/null; then
  mkdir -p "$dir"
  say "downloading io.zipkin:zipkin-server:$version:jar:exec from Maven Central (135 MB)"
  curl -fsSL -o "$jar.part" "https://repo1.maven.org/maven2/io/zipkin/zipkin-server/$version/zipkin-server-$version-exec.jar"
  echo "$sha256  $jar.part" | sha256sum -c --status || { rm -f "$jar.part"; say "error: checksum mismatch for the Zipkin jar"; exit 1; }
  mv "$jar.part" "$jar"
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  say "error: port $port is already in use. See who holds it: ss -ltnp 'sport = :$port'"
  exit 1
fi
say "UI: http://127.0.0.1:$port/zipkin/  (ready in about 10 s; npm start sends daprd's and the app's spans here)"
# exec: Ctrl-C reaches Java itself. Bound to loopback only (Zipkin binds every interface by default).
exec java -Xmx512m -jar "$jar" --armeria.ports[0].port="$port" --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].protocols=http
