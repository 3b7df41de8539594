#!/usr/bin/env bash
# Refreshes the GraphiQL page's assets from the npm registry at pinned versions. The server embeds
# these files (http::graphiql), so GraphiQL fetches nothing from another host at run time. After
# a change of version, update the paths in index.html and http/graphiql.rs and the sums below.
set -euo pipefail
cd "$(dirname "$0")"
GRAPHIQL=3.8.3 REACT=18.3.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for package in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir -p "$work/$package" && tar xzf "$work/$package.tgz" -C "$work/$package"
done
cp "$work/graphiql-$GRAPHIQL/package/graphiql.min.js" "$work/graphiql-$GRAPHIQL/package/graphiql.min.css" .
cp "$work/react-$REACT/package/umd/react.production.min.js" .
cp "$work/react-dom-$REACT/package/umd/react-dom.production.min.js" .
cp "$work/graphiql-$GRAPHIQL/package/LICENSE" LICENSE.graphiql
cp "$work/react-$REACT/package/LICENSE" LICENSE.react
sha256sum -c <<'SUMS'
22faab94067b695e5f7959619fbe686ebcc8955002a0c97d986bcbba4ad4bc2c  graphiql.min.js
b1868247f8e0502cd869e581f5f3cb55b334862e7f51b1d6cbace11059b9adc2  graphiql.min.css
d949f1c3687aedadcedac85261865f29b17cd273997e7f6b2bfc53b2f9d4c4dd  react.production.min.js
35f4f974f4b2bcd44da73963347f8952e341f83909e4498227d4e26b98f66f0d  react-dom.production.min.js
SUMS
