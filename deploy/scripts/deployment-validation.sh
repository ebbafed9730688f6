#!/usr/bin/env bash
# deployment-validation.sh: is a new EventCore deployment rolled out and serving? Waits for the
# rollout, counts Ready pods, calls /health, /ready and /metrics, asks the database and runs the
# smoke test through eventcore-cli. `--help` lists options, steps and exit codes.
set -euo pipefail

readonly EXIT_VALID=0 EXIT_INVALID=1 EXIT_USAGE=2 EXIT_MISSING_TOOL=3
readonly PROGRAM=${0##*/}
# The CLI of the checkout this script is in, used when eventcore-cli is not on the PATH (with node).
case ${BASH_SOURCE[0]} in
*/*) script_dir=${BASH_SOURCE[0]%/*} ;;
*) script_dir=. ;;
esac
CHECKOUT_CLI=$(cd -- "$script_dir/../.." && pwd)/packages/cli/bin/eventcore-cli.js
readonly CHECKOUT_CLI

usage() {
  cat <<EOF
Usage: $PROGRAM --url URL [options]

Validates a deployment of the EventCore service, one line per step:
  rollout      kubectl rollout status, within --timeout (a failed rollout ends the run: the
               other steps would judge a mix of old and new pods)
  pods ready   pods of --selector whose Ready condition is True (not being deleted), against
               the Deployment's spec.replicas
  health       GET URL/health answers 200
  readiness    GET URL/ready answers 200
  metrics      GET the metrics URL answers 200 with Prometheus text holding eventcore_* families
  database     eventcore-cli health-check database in the pod (kubectl exec); with
               --skip-kubectl, the service's own /ready database check, read through
               eventcore-cli health-check app (this machine has no database URL)
  smoke        eventcore-cli test smoke: here against URL when --jwt-secret-file is given or
               with --skip-kubectl; otherwise in the pod against --pod-url, with the pod's secret
Every step after the rollout runs even when one before it failed.

Options:
  --url URL               the service's base URL (env EVENTCORE_URL; required)
  --metrics-url URL       where /metrics is served when not at URL/metrics (EVENTCORE_METRICS_PORT)
  --namespace NAME        the namespace (default eventcore)
  --deployment NAME       the Deployment (default eventcore-app)
  --container NAME        the container kubectl exec runs in (default app)
  --selector LABELS       the Deployment's pods
                          (default app.kubernetes.io/name=eventcore,app.kubernetes.io/component=api)
  --pod-url URL           the service as the pod itself reaches it, for the smoke test run in the
                          pod (default http://127.0.0.1:8080)
  --timeout SECONDS       the longest wait for the rollout (default 300)
  --http-timeout SECONDS  the longest wait for each request and each eventcore-cli network
                          operation (default 10)
  --skip-kubectl          no cluster: skip rollout and pods, run the database and smoke steps with
                          a local eventcore-cli against URL
  --cli PATH              the eventcore-cli to run here (default: eventcore-cli on the PATH, else
                          this checkout's packages/cli/bin/eventcore-cli.js with node)
  --jwt-secret-file FILE  the service's HS256 secret: the local smoke test mints its tokens with it
                          (else it uses EVENTCORE_JWT_SECRET or EVENTCORE_JWT_SECRET_FILE)
  --dry-run               print the commands it would run, run none
  -h, --help              show this help

Exit codes:
  0  deployment valid (or, with --dry-run, the commands printed)
  1  deployment invalid: a step failed (the last line names the failed steps)
  2  usage error
  3  a required tool (curl, jq, kubectl unless --skip-kubectl, eventcore-cli or node) is missing
EOF
}

usage_error() {
  printf '%s: %s\nUsage: %s --url URL [options]   (%s --help lists them)\n' "$PROGRAM" "$1" "$PROGRAM" \
    "$PROGRAM" >&2
  exit "$EXIT_USAGE"
}

url=${EVENTCORE_URL:-}
metrics_url=
namespace=eventcore
deployment=eventcore-app
container=app
selector=app.kubernetes.io/name=eventcore,app.kubernetes.io/component=api
pod_url=http://127.0.0.1:8080
timeout=300
http_timeout=10
skip_kubectl=false
cli_path=
jwt_secret_file=
dry_run=false

# shellcheck source-path=SCRIPTDIR source=lib/options.sh
source "$script_dir/lib/options.sh"

while (($# > 0)); do
  used=1
  case $1 in
  -h | --help)
    usage
    exit "$EXIT_VALID"
    ;;
  --url | --url=*)
    option_value --url "$@"
    url=$value
    ;;
  --metrics-url | --metrics-url=*)
    option_value --metrics-url "$@"
    http_url --metrics-url "$value"
    metrics_url=$value
    ;;
  --namespace | --namespace=*)
    option_value --namespace "$@"
    object_name --namespace "$value"
    namespace=$value
    ;;
  --deployment | --deployment=*)
    option_value --deployment "$@"
    object_name --deployment "$value"
    deployment=$value
    ;;
  --container | --container=*)
    option_value --container "$@"
    object_name --container "$value"
    container=$value
    ;;
  --selector | --selector=*)
    option_value --selector "$@"
    [[ -n $value ]] || usage_error "--selector must not be empty"
    selector=$value
    ;;
  --pod-url | --pod-url=*)
    option_value --pod-url "$@"
    http_url --pod-url "$value"
    pod_url=$value
    ;;
  --timeout | --timeout=*)
    option_value --timeout "$@"
    whole_number --timeout "$value" seconds
    timeout=$value
    ;;
  --http-timeout | --http-timeout=*)
    option_value --http-timeout "$@"
    whole_number --http-timeout "$value" seconds
    http_timeout=$value
    ;;
  --skip-kubectl)
    skip_kubectl=true
    ;;
  --cli | --cli=*)
    option_value --cli "$@"
    [[ -n $value ]] || usage_error "--cli must not be empty"
    cli_path=$value
    ;;
  --jwt-secret-file | --jwt-secret-file=*)
    option_value --jwt-secret-file "$@"
    [[ -f $value && -r $value ]] || usage_error "--jwt-secret-file '$value' is not a readable file"
    jwt_secret_file=$value
    ;;
  --dry-run)
    dry_run=true
    ;;
  *)
    usage_error "unknown argument '$1'"
    ;;
  esac
  shift "$used"
done
[[ -n $url ]] || usage_error "--url (or EVENTCORE_URL) is required"
http_url --url "$url"
url=${url%/}
pod_url=${pod_url%/}
metrics_url=${metrics_url:-$url/metrics}
readonly http_timeout_ms=$((http_timeout * 1000))

# The smoke test runs here when it has a local secret to mint tokens with, or no cluster.
smoke_here=false
if [[ $skip_kubectl == true || -n $jwt_secret_file ]]; then smoke_here=true; fi

# The local eventcore-cli as a command line in $cli, or nothing (and why in $cli_missing).
cli=()
cli_missing=
if [[ $smoke_here == true ]]; then
  if [[ -n $cli_path ]]; then
    if [[ -x $cli_path && -f $cli_path ]]; then cli=("$cli_path"); else cli_missing="--cli $cli_path is not an executable file"; fi
  elif command -v eventcore-cli >/dev/null 2>&1; then
    cli=(eventcore-cli)
  elif [[ -f $CHECKOUT_CLI ]]; then
    if command -v node >/dev/null 2>&1; then cli=(node "$CHECKOUT_CLI"); else cli_missing=node; fi
  else
    cli_missing="eventcore-cli (not on the PATH, and no checkout to run it from: give --cli)"
  fi
fi

if [[ $dry_run == false ]]; then
  missing=()
  for tool in curl jq; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [[ $skip_kubectl == false ]] && ! command -v kubectl >/dev/null 2>&1; then missing+=(kubectl); fi
  if [[ -n $cli_missing ]]; then missing+=("$cli_missing"); fi
  if ((${#missing[@]} > 0)); then
    printf -v missing_list '%s, ' "${missing[@]}"
    printf '%s: missing required tool(s): %s\n' "$PROGRAM" "${missing_list%, }" >&2
    exit "$EXIT_MISSING_TOOL"
  fi
elif ((${#cli[@]} == 0)); then
  cli=("${cli_path:-eventcore-cli}")
fi

failed=()
pass() { printf '✅ %s\n' "$1"; }
fail() {
  printf '❌ %s\n' "$2"
  failed+=("$1")
}
skip() { printf '⏭️  %s\n' "$1"; }
# A command's own lines under its step, indented; only its warnings with `warnings`.
details() {
  local line
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    if [[ ${2:-all} == all || $line == ⚠️* ]]; then printf '     %s\n' "$line"; fi
  done <<<"$1"
}

kubectl_in_pod=(kubectl exec --namespace "$namespace" "deployment/$deployment" --container "$container" --)
readonly curl_get=(curl --silent --show-error --connect-timeout "$http_timeout" --max-time "$http_timeout"
  --write-out '\n%{http_code} %{content_type}')

step_rollout() {
  local command=(kubectl rollout status "deployment/$deployment" --namespace "$namespace" --timeout="${timeout}s")
  if [[ $dry_run == true ]]; then
    would_run "${command[@]}"
    return
  fi
  local output
  if output=$("${command[@]}" 2>&1); then
    pass "rollout: deployment/$deployment in $namespace rolled out"
  else
    fail rollout "rollout: deployment/$deployment in $namespace did not roll out (kubectl rollout status, --timeout ${timeout}s):"
    details "$output"
  fi
}

step_pods_ready() {
  local get_deployment=(kubectl get deployment "$deployment" --namespace "$namespace"
    --request-timeout="${http_timeout}s" --output=json)
  local get_pods=(kubectl get pods --namespace "$namespace" --selector "$selector"
    --request-timeout="${http_timeout}s" --output=json)
  if [[ $dry_run == true ]]; then
    would_run "${get_deployment[@]}"
    would_run "${get_pods[@]}"
    return
  fi
  local answer desired pods ready not_ready
  if ! answer=$("${get_deployment[@]}" 2>&1) || ! desired=$(jq -er '.spec.replicas' <<<"$answer" 2>/dev/null); then
    fail "pods ready" "pods ready: could not read deployment/$deployment's spec.replicas:"
    details "$answer"
    return
  fi
  if ! pods=$("${get_pods[@]}" 2>&1); then
    fail "pods ready" "pods ready: could not list the pods of $selector:"
    details "$pods"
    return
  fi
  # Ready, not merely Running: a Running pod can fail its readiness probe. Pods being deleted (an
  # old ReplicaSet's, terminating) are not counted.
  local live='.items[] | select(.metadata.deletionTimestamp == null)'
  local is_ready='any(.status.conditions[]?; .type == "Ready" and .status == "True")'
  ready=$(jq -r "[$live | select($is_ready)] | length" <<<"$pods")
  not_ready=$(jq -r "[$live | select($is_ready | not) | .metadata.name] | join(\", \")" <<<"$pods")
  if ((desired == 0)); then
    fail "pods ready" "pods ready: deployment/$deployment is scaled to 0 replicas"
  elif ((ready == desired)); then
    pass "pods ready: $ready/$desired pods Ready ($selector)"
  elif ((ready > desired)); then
    fail "pods ready" "pods ready: $ready pods Ready for $desired replicas: does $selector match another workload's pods?"
  else
    fail "pods ready" "pods ready: $ready/$desired pods Ready ($selector)${not_ready:+; not ready: $not_ready}"
  fi
}

# GET $1 with curl; sets $status (000 when there was no answer), $content_type, $body and $error.
http_get() {
  local answer line
  error=
  if answer=$("${curl_get[@]}" -- "$1" 2>&1); then
    line=${answer##*$'\n'}
    body=${answer%$'\n'*}
    status=${line%% *}
    content_type=${line#* }
  else
    status=000 content_type='' body=''
    # curl's own message ("curl: (7) Failed to connect …"), among the write-out's lines.
    while IFS= read -r line; do
      if [[ $line == 'curl: ('* ]]; then error=$line; fi
    done <<<"$answer"
  fi
}

# One HTTP step: step name, URL; passes on a 200 (for metrics, of Prometheus text).
step_http() {
  local step=$1 target=$2
  if [[ $dry_run == true ]]; then
    would_run "${curl_get[@]}" -- "$target"
    return
  fi
  local status content_type body error figure=
  http_get "$target"
  if [[ $status == 000 ]]; then
    fail "$step" "$step: GET $target: no answer (limit ${http_timeout}s): $error"
  elif [[ $status != 200 ]]; then
    fail "$step" "$step: GET $target answered HTTP $status, not 200"
  elif [[ $step == metrics ]] && ! figure=$(prometheus_text); then
    fail "$step" "$step: GET $target answered 200, but $figure"
  else
    pass "$step: GET $target answered 200${figure:+, $figure}"
  fi
}

# Prometheus text with EventCore's families (a 200 from a proxy's error page is not metrics).
prometheus_text() {
  local line families=0
  if [[ $content_type != text/plain* && $content_type != application/openmetrics-text* ]]; then
    printf 'as %s, not Prometheus text' "${content_type:-no content type}"
    return 1
  fi
  while IFS= read -r line; do
    if [[ $line == '# TYPE eventcore_'* ]]; then families=$((families + 1)); fi
  done <<<"$body"
  if ((families == 0)); then
    printf 'with no eventcore_* metric family'
    return 1
  fi
  printf '%d eventcore_* metric families' "$families"
}

step_database() {
  local command output code=0
  if [[ $skip_kubectl == false ]]; then
    command=("${kubectl_in_pod[@]}" eventcore-cli health-check database --timeout "$http_timeout_ms")
    if [[ $dry_run == true ]]; then
      would_run "${command[@]}"
      return
    fi
    output=$("${command[@]}" 2>&1) || code=$?
    if ((code == 0)); then
      pass "database: eventcore-cli health-check database passed in deployment/$deployment"
      details "$output" warnings
    else
      fail database "database: eventcore-cli health-check database failed in deployment/$deployment (exit $code):"
      details "$output"
    fi
    return
  fi
  # No cluster, so no database URL here: ask the service, whose /ready checks its database.
  command=("${cli[@]}" health-check app --url "$url" --metrics-url "$metrics_url" --timeout "$http_timeout_ms" --json)
  if [[ $dry_run == true ]]; then
    would_run "${command[@]}"
    return
  fi
  local verdict
  output=$("${command[@]}" 2>/dev/null) || code=$?
  verdict=$(jq -r '(.checks // empty | map(select(.name | test("^ *ready: database$")))
      | if length == 0 then "missing" else .[0].status + "\t" + (.[0].detail // "") end)
    // ("error\t" + (.error.message // "no answer"))' 2>/dev/null <<<"$output" || true)
  case ${verdict%%$'\t'*} in
  pass) pass "database: the service's /ready database check passes (eventcore-cli health-check app)" ;;
  missing) fail database "database: /ready at $url has no database check" ;;
  error) fail database "database: eventcore-cli health-check app could not ask $url (exit $code): ${verdict#*$'\t'}" ;;
  '') fail database "database: eventcore-cli health-check app gave no answer to read (exit $code)" ;;
  *) fail database "database: the service's /ready database check fails: ${verdict#*$'\t'}" ;;
  esac
}

step_smoke() {
  local command target where
  if [[ $smoke_here == true ]]; then
    target=$url where=here
    command=("${cli[@]}" test smoke --url "$url" --timeout "$http_timeout_ms")
    if [[ -n $jwt_secret_file ]]; then command+=(--jwt-secret-file "$jwt_secret_file"); fi
  else
    target=$pod_url where="in deployment/$deployment"
    command=("${kubectl_in_pod[@]}" eventcore-cli test smoke --url "$pod_url" --timeout "$http_timeout_ms")
  fi
  if [[ $dry_run == true ]]; then
    would_run "${command[@]}"
    return
  fi
  local output code=0 line checks=0
  output=$("${command[@]}" 2>&1) || code=$?
  while IFS= read -r line; do
    if [[ $line == ✅* ]]; then checks=$((checks + 1)); fi
  done <<<"$output"
  if ((code == 0)); then
    pass "smoke: eventcore-cli test smoke against $target ($where): $checks checks passed"
    details "$output" warnings
  else
    fail smoke "smoke: eventcore-cli test smoke against $target ($where) failed (exit $code):"
    details "$output"
  fi
}

if [[ $skip_kubectl == true ]]; then
  if [[ $dry_run == false ]]; then skip "rollout, pods ready: --skip-kubectl"; fi
else
  step_rollout
  if ((${#failed[@]} > 0)); then
    skip "pods ready, health, readiness, metrics, database, smoke: not run, the rollout did not complete"
    printf 'deployment invalid: rollout\n'
    exit "$EXIT_INVALID"
  fi
  step_pods_ready
fi
step_http health "$url/health"
step_http readiness "$url/ready"
step_http metrics "$metrics_url"
step_database
step_smoke

if [[ $dry_run == true ]]; then
  printf 'dry run: nothing was run\n'
  exit "$EXIT_VALID"
fi
if ((${#failed[@]} > 0)); then
  printf 'deployment invalid: %s\n' "$(IFS=,; printf '%s' "${failed[*]}")"
  exit "$EXIT_INVALID"
fi
printf 'deployment valid\n'
exit "$EXIT_VALID"
