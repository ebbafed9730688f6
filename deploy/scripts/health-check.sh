#!/usr/bin/env bash
# health-check.sh: is an EventCore service healthy, by what its Prometheus scraped? Checks that
# the job's targets are up, the command error ratio, the p95 command latency (both over the last
# 5 minutes) and connection-pool utilisation. `--help` lists options and exit codes.
set -euo pipefail

readonly EXIT_HEALTHY=0 EXIT_UNHEALTHY=1 EXIT_USAGE=2 EXIT_PROMETHEUS=3 EXIT_MISSING_TOOL=4
readonly WINDOW=5m
readonly PROGRAM=${0##*/}

usage() {
  cat <<EOF
Usage: $PROGRAM [options]

Asks Prometheus whether the EventCore service scraped as job JOB is healthy:
  up             every target of the job is scraped and up (no target at all fails: job not scraped)
  error ratio    commands that failed through no fault of the caller / all commands, over
                 the last $WINDOW (validation and business-rule rejections are answers, not failures)
  p95 latency    95th percentile of command duration, over the last $WINDOW
  pool           busiest connection pool of any instance: (open - idle) / max (a warning only)
With no commands in the last $WINDOW, error ratio and latency report "no traffic" and pass.

Options:
  --prometheus-url URL         Prometheus base URL (env PROMETHEUS_URL;
                               default http://prometheus.monitoring.svc.cluster.local:9090)
  --job NAME                   the service's scrape job (default eventcore)
  --max-error-ratio RATIO      fail above this error ratio (default 0.05)
  --max-p95-seconds SECONDS    fail above this p95 command latency (default 1.0)
  --max-pool-utilisation R     warn above this share of busy pool connections, 0 to 1 (default 0.8)
  --timeout SECONDS            connect and total time limit of each Prometheus request (default 10)
  -h, --help                   show this help

Exit codes:
  0  healthy (warnings may have been printed)
  1  unhealthy: a check failed
  2  usage error
  3  Prometheus unreachable, too slow, or not answering as its API does
  4  a required tool (curl, jq, awk) is missing
EOF
}

usage_error() {
  printf '%s: %s\nUsage: %s [options]   (%s --help lists them)\n' "$PROGRAM" "$1" "$PROGRAM" "$PROGRAM" >&2
  exit "$EXIT_USAGE"
}

prometheus_url=${PROMETHEUS_URL:-http://prometheus.monitoring.svc.cluster.local:9090}
job=eventcore
max_error_ratio=0.05
max_p95_seconds=1.0
max_pool_utilisation=0.8
timeout=10

case ${BASH_SOURCE[0]} in
*/*) script_dir=${BASH_SOURCE[0]%/*} ;;
*) script_dir=. ;;
esac
# shellcheck source-path=SCRIPTDIR source=lib/options.sh
source "$script_dir/lib/options.sh"

while (($# > 0)); do
  case $1 in
  -h | --help)
    usage
    exit "$EXIT_HEALTHY"
    ;;
  --prometheus-url | --prometheus-url=*)
    option_value --prometheus-url "$@"
    prometheus_url=$value
    ;;
  --job | --job=*)
    option_value --job "$@"
    job=$value
    ;;
  --max-error-ratio | --max-error-ratio=*)
    option_value --max-error-ratio "$@"
    number --max-error-ratio "$value"
    max_error_ratio=$value
    ;;
  --max-p95-seconds | --max-p95-seconds=*)
    option_value --max-p95-seconds "$@"
    number --max-p95-seconds "$value"
    max_p95_seconds=$value
    ;;
  --max-pool-utilisation | --max-pool-utilisation=*)
    option_value --max-pool-utilisation "$@"
    number --max-pool-utilisation "$value"
    max_pool_utilisation=$value
    ;;
  --timeout | --timeout=*)
    option_value --timeout "$@"
    number --timeout "$value"
    timeout=$value
    ;;
  *)
    usage_error "unknown argument '$1'"
    ;;
  esac
  shift "$used"
done
[[ $prometheus_url =~ ^https?://[^[:space:]]+$ ]] || usage_error "--prometheus-url must be an http(s) URL, not '$prometheus_url'"
[[ -n $job ]] || usage_error "--job must not be empty"
[[ ! $timeout =~ ^0*([.]0*)?$ ]] || usage_error "--timeout must be more than 0"
prometheus_url=${prometheus_url%/}

missing=()
for tool in curl jq awk; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  printf '%s: missing required tool(s): %s\n' "$PROGRAM" "${missing[*]}" >&2
  exit "$EXIT_MISSING_TOOL"
fi

# The job as a PromQL string literal: backslashes and double quotes escaped.
job_literal=${job//\\/\\\\}
job_literal=\"${job_literal//\"/\\\"}\"
readonly selector="{job=$job_literal}"

# Runs an instant query and prints its result vector as lines "<instance>\t<value>" (instance
# empty for an aggregate; value as Prometheus writes it: a number, NaN, +Inf). Exits 3 when
# Prometheus cannot be reached in time or does not answer with a successful vector.
query() {
  local expr=$1 answer
  if ! answer=$(curl --silent --show-error --connect-timeout "$timeout" --max-time "$timeout" \
    --get --data-urlencode "query=$expr" -- "$prometheus_url/api/v1/query" 2>&1); then
    printf '%s: Prometheus at %s did not answer: %s\n' "$PROGRAM" "$prometheus_url" "$answer" >&2
    exit "$EXIT_PROMETHEUS"
  fi
  if ! jq -e '.status == "success" and .data.resultType == "vector"' >/dev/null 2>&1 <<<"$answer"; then
    local reason
    reason=$(jq -r '.error // empty' 2>/dev/null <<<"$answer" || true)
    printf '%s: %s/api/v1/query is not a Prometheus answer for %s: %s\n' "$PROGRAM" "$prometheus_url" \
      "$expr" "${reason:-${answer:0:200}}" >&2
    exit "$EXIT_PROMETHEUS"
  fi
  jq -r '.data.result[] | [(.metric.instance // ""), .value[1]] | @tsv' <<<"$answer"
}

# True when the number $1 is above $2 (awk: no bc needed; Prometheus' "+Inf" is above anything).
above() {
  [[ $1 == +Inf ]] && return 0
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'
}

# Rounds Prometheus' value for people: 4 significant digits.
readable() {
  if [[ $1 == +Inf || $1 == NaN ]]; then
    printf '%s' "$1"
    return
  fi
  awk -v a="$1" 'BEGIN { printf "%.4g", a + 0 }'
}

failed=()
pass() { printf '✅ %s\n' "$1"; }
fail() {
  printf '❌ %s\n' "$2"
  failed+=("$1")
}
warn() { printf '⚠️  %s\n' "$1"; }

check_up() {
  local rows total=0 up=0 down=() instance value
  rows=$(query "up$selector")
  while IFS=$'\t' read -r instance value; do
    [[ -n $instance || -n $value ]] || continue
    total=$((total + 1))
    if [[ $value == 1 ]]; then up=$((up + 1)); else down+=("$instance"); fi
  done <<<"$rows"
  if ((total == 0)); then
    fail up "up: job $job_literal not scraped (no up series): is Prometheus configured to scrape it?"
  elif ((${#down[@]} > 0)); then
    fail up "up: $up/$total targets of job $job_literal up; down: ${down[*]}"
  else
    pass "up: $total/$total targets of job $job_literal up"
  fi
}

# The one value of an aggregate query, or nothing when the answer is empty.
single() {
  if [[ -n $1 ]]; then printf '%s' "${1#*$'\t'}"; fi
}

# As the EventCoreHighErrorRate alert (deploy/prometheus) counts them: both sides summed before
# dividing (the checklist divided series of different labels, which matches nothing).
readonly faults="kind!~\"validation|business-rule\""

check_error_ratio() {
  local rows value shown
  rows=$(query "sum(rate(eventcore_command_errors_total{job=$job_literal,$faults}[$WINDOW])) / sum(rate(eventcore_commands_total${selector}[$WINDOW]))")
  value=$(single "$rows")
  if [[ -z $value ]]; then
    warn "error ratio: no data (no eventcore_commands_total or eventcore_command_errors_total for job $job_literal)"
    return
  elif [[ $value == NaN ]]; then
    warn "error ratio: no traffic (no commands in the last $WINDOW)"
    return
  fi
  shown=$(readable "$value")
  if above "$value" "$max_error_ratio"; then
    fail "error ratio" "error ratio: $shown over the last $WINDOW, above $max_error_ratio"
  else
    pass "error ratio: $shown over the last $WINDOW (limit $max_error_ratio)"
  fi
}

check_latency() {
  local rows value shown
  rows=$(query "histogram_quantile(0.95, sum by (le) (rate(eventcore_command_duration_seconds_bucket${selector}[$WINDOW])))")
  value=$(single "$rows")
  if [[ -z $value ]]; then
    warn "p95 latency: no data (no eventcore_command_duration_seconds for job $job_literal)"
    return
  elif [[ $value == NaN ]]; then
    warn "p95 latency: no traffic (no commands in the last $WINDOW)"
    return
  fi
  shown=$(readable "$value")
  if above "$value" "$max_p95_seconds"; then
    fail latency "p95 latency: $shown s over the last $WINDOW, above $max_p95_seconds s"
  else
    pass "p95 latency: $shown s over the last $WINDOW (limit $max_p95_seconds s)"
  fi
}

check_pool() {
  local rows instance value shown pools
  # Busy (open minus idle) over the limit, as EventCoreConnectionPoolSaturated reads it; topk keeps
  # the labels, so the line names the busiest instance. A pool of one connection (embedded PGlite)
  # is always busy and says nothing: it is left out.
  rows=$(query "topk(1, (eventcore_connection_pool_size$selector - eventcore_connection_pool_idle$selector) / eventcore_connection_pool_max_size$selector and eventcore_connection_pool_max_size$selector > 1)")
  if [[ -z $rows ]]; then
    pools=$(query "count(eventcore_connection_pool_max_size$selector)")
    if [[ -n $pools ]]; then
      pass "pool utilisation: no pool of more than one connection (embedded PGlite) to judge"
    else
      warn "pool utilisation: no data (no eventcore_connection_pool_* for job $job_literal)"
    fi
    return
  fi
  IFS=$'\t' read -r instance value <<<"$rows"
  shown=$(readable "$value")
  if above "$value" "$max_pool_utilisation"; then
    warn "pool utilisation: $shown busy on $instance, above $max_pool_utilisation"
  else
    pass "pool utilisation: $shown busy at most, on $instance (warning above $max_pool_utilisation)"
  fi
}

check_up
check_error_ratio
check_latency
check_pool

if ((${#failed[@]} > 0)); then
  printf 'unhealthy: %s\n' "$(IFS=,; printf '%s' "${failed[*]}")"
  exit "$EXIT_UNHEALTHY"
fi
printf 'healthy\n'
exit "$EXIT_HEALTHY"
