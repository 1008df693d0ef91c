#!/usr/bin/env bash
# Writes a C++ source defining `const unsigned char phid::SYMBOL[]` and
# `const size_t phid::SYMBOL_size` as the bytes of INPUT, for genrules that
# compile a binary build output into the binary (embed_text.sh is for text):
#   embed_bytes.sh SYMBOL INPUT OUTPUT
set -euo pipefail
symbol="$1" input="$2" output="$3"
size=$(wc -c <"$input")
{
  echo "// Generated from $input by server/embed_bytes.sh. Do not edit."
  echo "#include <cstddef>"
  echo "namespace phid {"
  echo "extern const unsigned char ${symbol}[];"
  echo "extern const size_t ${symbol}_size;"
  echo "const unsigned char ${symbol}[] = {"
  od -An -v -tx1 "$input" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
  echo "};"
  echo "const size_t ${symbol}_size = ${size};"
  echo "}  // namespace phid"
} >"$output"
