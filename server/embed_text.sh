#!/usr/bin/env bash
# Writes a C++ source defining `const char phid::SYMBOL[]` as the text of
# INPUT (a raw string literal), for genrules that compile a checked-in file
# into the binary:  embed_text.sh SYMBOL INPUT OUTPUT
set -euo pipefail
symbol="$1" input="$2" output="$3"
delimiter='phid_embed'
if grep -qF ")${delimiter}\"" "$input"; then
  echo "embed_text: $input contains the raw string delimiter )${delimiter}\"" >&2
  exit 1
fi
{
  echo "// Generated from $input by server/embed_text.sh. Do not edit."
  echo "namespace phid {"
  echo "extern const char ${symbol}[];"
  printf 'const char %s[] = R"%s(' "$symbol" "$delimiter"
  cat "$input"
  printf ')%s";\n' "$delimiter"
  echo "}  // namespace phid"
} >"$output"
