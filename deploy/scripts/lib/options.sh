# shellcheck shell=bash
# What the deploy scripts share: reading `--name value` / `--name=value` options, checking their
# values, and printing a command instead of running it (--dry-run). Sourced, not run: the script
# defines usage_error (message → stderr, exit 2) before it sources this.

# `--name value` or `--name=value`; sets $value and $used (how many arguments it took).
option_value() {
  local name=$1 argument=$2
  shift 2
  if [[ $argument == *=* ]]; then
    value=${argument#*=}
    used=1
  elif (($# > 0)); then
    value=$1
    used=2
  else
    usage_error "$name needs a value"
  fi
}

# `whole_number NAME VALUE [UNIT]`: VALUE is an integer above 0 (of UNIT, when given).
whole_number() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 must be a whole number${3:+ of $3} above 0, not '$2'"
}

# `number NAME VALUE`: VALUE is a decimal number ≥ 0 (no sign, no exponent).
number() {
  [[ $2 =~ ^[0-9]+([.][0-9]+)?$ ]] || usage_error "$1 must be a number ≥ 0, not '$2'"
}

http_url() {
  [[ $2 =~ ^https?://[^[:space:]]+$ ]] || usage_error "$1 must be an http(s) URL, not '$2'"
}

# A Kubernetes object name (RFC 1123 label), so nothing odd reaches kubectl's arguments.
object_name() {
  [[ $2 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || usage_error "$1 must be a Kubernetes name, not '$2'"
}

# `would run: ` and the command line as one could paste it into a shell: plain words as they
# are, others single-quoted.
would_run() {
  local word words=()
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then words+=("$word"); else words+=("'${word//\'/\'\\\'\'}'"); fi
  done
  printf 'would run: %s\n' "${words[*]}"
}
