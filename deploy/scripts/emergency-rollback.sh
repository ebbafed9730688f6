#!/usr/bin/env bash
# emergency-rollback.sh: rolls the EventCore Deployment back to its previous revision (or a given
# one), waits for the rollout and, given --url, verifies it with deployment-validation.sh.
# `--help` lists options and exit codes.
set -euo pipefail

readonly EXIT_DONE=0 EXIT_FAILED=1 EXIT_USAGE=2 EXIT_MISSING_TOOL=3 EXIT_NOTHING_TO_ROLL_BACK_TO=4
readonly PROGRAM=${0##*/}
case ${BASH_SOURCE[0]} in
*/*) script_dir=${BASH_SOURCE[0]%/*} ;;
*) script_dir=. ;;
esac
readonly VALIDATION=$script_dir/deployment-validation.sh
# The annotation the Deployment controller numbers its ReplicaSets (and itself) with.
readonly REVISION_ANNOTATION=deployment.kubernetes.io/revision

usage() {
  cat <<EOF
Usage: $PROGRAM --yes [options]

Rolls a Deployment back, in three steps:
  1. finds the revision to go back to: --to-revision, else the highest revision below the current
     one among the ReplicaSets the Deployment owns (annotation $REVISION_ANNOTATION)
  2. kubectl rollout undo --to-revision=N, then kubectl rollout status within --timeout
  3. with --url, deployment-validation.sh against the rolled-back service
Refuses to act without --yes; --dry-run shows the commands instead.

Options:
  --namespace NAME        the namespace (default eventcore)
  --deployment NAME       the Deployment (default eventcore-app)
  --to-revision N         the revision to go back to (default: the previous one)
  --timeout SECONDS       the longest wait for the rollback's rollout (default 300)
  --url URL               verify with deployment-validation.sh --url URL (no verification without)
  --metrics-url URL       passed to deployment-validation.sh
  --jwt-secret-file FILE  passed to deployment-validation.sh (its smoke test then runs here)
  --yes                   really roll back (required unless --dry-run)
  --dry-run               print the commands it would run, run none
  -h, --help              show this help

Exit codes:
  0  rolled back (and, with --url, the deployment valid)
  1  the rollback, its rollout or the verification failed
  2  usage error, or no --yes
  3  a required tool (kubectl, jq; curl and the rest of deployment-validation.sh's with --url) is missing
  4  nothing to roll back to: no earlier revision, or --to-revision not in the history
EOF
}

usage_error() {
  printf '%s: %s\nUsage: %s --yes [options]   (%s --help lists them)\n' "$PROGRAM" "$1" "$PROGRAM" "$PROGRAM" >&2
  exit "$EXIT_USAGE"
}

namespace=eventcore
deployment=eventcore-app
to_revision=
timeout=300
url=
metrics_url=
jwt_secret_file=
yes=false
dry_run=false

# shellcheck source-path=SCRIPTDIR source=lib/options.sh
source "$script_dir/lib/options.sh"

while (($# > 0)); do
  used=1
  case $1 in
  -h | --help)
    usage
    exit "$EXIT_DONE"
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
  --to-revision | --to-revision=*)
    option_value --to-revision "$@"
    whole_number --to-revision "$value"
    to_revision=$value
    ;;
  --timeout | --timeout=*)
    option_value --timeout "$@"
    whole_number --timeout "$value"
    timeout=$value
    ;;
  --url | --url=*)
    option_value --url "$@"
    http_url --url "$value"
    url=$value
    ;;
  --metrics-url | --metrics-url=*)
    option_value --metrics-url "$@"
    http_url --metrics-url "$value"
    metrics_url=$value
    ;;
  --jwt-secret-file | --jwt-secret-file=*)
    option_value --jwt-secret-file "$@"
    [[ -f $value && -r $value ]] || usage_error "--jwt-secret-file '$value' is not a readable file"
    jwt_secret_file=$value
    ;;
  --yes)
    yes=true
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
if [[ -z $url && (-n $metrics_url || -n $jwt_secret_file) ]]; then
  usage_error "--metrics-url and --jwt-secret-file are for the verification: give --url too"
fi
if [[ $dry_run == false && $yes == false ]]; then
  usage_error "refusing to roll back deployment/$deployment in $namespace without --yes (--dry-run shows what it would do)"
fi

if [[ $dry_run == false ]]; then
  missing=()
  tools=(kubectl jq)
  # The verification's own (deployment-validation.sh checks the rest, eventcore-cli included).
  if [[ -n $url ]]; then tools+=(curl); fi
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    printf -v missing_list '%s, ' "${missing[@]}"
    printf '%s: missing required tool(s): %s\n' "$PROGRAM" "${missing_list%, }" >&2
    exit "$EXIT_MISSING_TOOL"
  fi
fi

# A command's own lines, indented under the line that names it.
details() {
  local line
  while IFS= read -r line; do
    if [[ -n $line ]]; then printf '     %s\n' "$line"; fi
  done <<<"$1"
}

failure() {
  printf '%s: %s\n' "$PROGRAM" "$1" >&2
  if [[ -n ${2:-} ]]; then printf '%s\n' "$2" >&2; fi
  exit "${3:-$EXIT_FAILED}"
}

readonly get_deployment=(kubectl get deployment "$deployment" --namespace "$namespace" --request-timeout=30s --output=json)
readonly get_replicasets=(kubectl get replicasets --namespace "$namespace" --request-timeout=30s --output=json)

# The ReplicaSets the Deployment with uid $1 controls, as lines "<revision>\t<name>\t<images>" by
# revision. Revisions are not contiguous: rolling back to revision N renumbers its ReplicaSet to
# the next number, and revisionHistoryLimit deletes the oldest. A ReplicaSet without the annotation
# (not made by a Deployment) is left out.
revisions() {
  jq -r --arg uid "$1" --arg annotation "$REVISION_ANNOTATION" '
    [.items[]
      | select(any(.metadata.ownerReferences[]?; .uid == $uid and .controller == true))
      | { revision: (.metadata.annotations[$annotation] // "" | tonumber?),
          name: .metadata.name,
          images: ([.spec.template.spec.containers[]?.image] | join(",")) }]
    | sort_by(.revision)[]
    | [.revision, .name, .images] | @tsv'
}

undo=(kubectl rollout undo "deployment/$deployment" --namespace "$namespace")
status=(kubectl rollout status "deployment/$deployment" --namespace "$namespace" --timeout="${timeout}s")
verify=("$VALIDATION" --namespace "$namespace" --deployment "$deployment" --url "$url" --timeout "$timeout")
if [[ -n $metrics_url ]]; then verify+=(--metrics-url "$metrics_url"); fi
if [[ -n $jwt_secret_file ]]; then verify+=(--jwt-secret-file "$jwt_secret_file"); fi

if [[ $dry_run == true ]]; then
  would_run "${get_deployment[@]}"
  would_run "${get_replicasets[@]}"
  # Without asking the cluster, the previous revision's number is unknown; kubectl's undo without
  # --to-revision goes to that same revision (a real run names it, having checked it exists).
  would_run "${undo[@]}" ${to_revision:+"--to-revision=$to_revision"}
  would_run "${status[@]}"
  if [[ -n $url ]]; then would_run "${verify[@]}"; fi
  printf 'dry run: nothing was run\n'
  exit "$EXIT_DONE"
fi

answer=$("${get_deployment[@]}" 2>&1) || failure "cannot read deployment/$deployment in $namespace:" "$answer"
uid=$(jq -r '.metadata.uid // empty' <<<"$answer")
current=$(jq -r --arg annotation "$REVISION_ANNOTATION" '.metadata.annotations[$annotation] // empty' <<<"$answer")
paused=$(jq -r '.spec.paused // false' <<<"$answer")
[[ -n $uid && $current =~ ^[0-9]+$ ]] ||
  failure "deployment/$deployment in $namespace has no uid or no $REVISION_ANNOTATION annotation"
# kubectl refuses to undo a paused rollout; say so before touching anything.
[[ $paused != true ]] ||
  failure "deployment/$deployment is paused: resume it first (kubectl rollout resume deployment/$deployment --namespace $namespace)"

sets=$("${get_replicasets[@]}" 2>&1) || failure "cannot list the ReplicaSets in $namespace:" "$sets"
history=$(revisions "$uid" <<<"$sets")
known=() target='' current_images='' target_images=''
while IFS=$'\t' read -r revision _ images; do
  [[ -n $revision ]] || continue
  known+=("$revision")
  if [[ $revision == "$current" ]]; then current_images=$images; fi
  if [[ -n $to_revision ]]; then
    if [[ $revision == "$to_revision" ]]; then target=$revision target_images=$images; fi
  elif ((revision < current)); then
    target=$revision target_images=$images
  fi
done <<<"$history"
printf -v known_list '%s, ' "${known[@]}"
known_list=${known_list%, }

if [[ -n $to_revision && $to_revision == "$current" ]]; then
  failure "revision $to_revision is deployment/$deployment's current revision: nothing to roll back to" "" \
    "$EXIT_NOTHING_TO_ROLL_BACK_TO"
elif [[ -n $to_revision && -z $target ]]; then
  failure "revision $to_revision is not in deployment/$deployment's history (revisions: ${known_list:-none})" "" \
    "$EXIT_NOTHING_TO_ROLL_BACK_TO"
elif [[ -z $target ]]; then
  failure "deployment/$deployment has no revision before its current one ($current; revisions: ${known_list:-none}): nothing to roll back to" "" \
    "$EXIT_NOTHING_TO_ROLL_BACK_TO"
fi

printf 'rolling back deployment/%s in %s from revision %s (%s) to revision %s (%s)\n' "$deployment" "$namespace" \
  "$current" "${current_images:-images unknown}" "$target" "${target_images:-images unknown}"
undo+=(--to-revision="$target")
if output=$("${undo[@]}" 2>&1); then
  printf '✅ undo: %s\n' "${output##*$'\n'}"
else
  printf '❌ undo: kubectl rollout undo --to-revision=%s failed:\n' "$target"
  details "$output"
  printf 'rollback failed: undo\n'
  exit "$EXIT_FAILED"
fi
if output=$("${status[@]}" 2>&1); then
  printf '✅ rollout: %s\n' "${output##*$'\n'}"
else
  printf '❌ rollout: deployment/%s did not roll out (kubectl rollout status, --timeout %ss):\n' "$deployment" "$timeout"
  details "$output"
  printf 'rollback failed: rollout\n'
  exit "$EXIT_FAILED"
fi
if [[ -z $url ]]; then
  printf '⚠️  verification: none (give --url to run deployment-validation.sh)\n'
else
  printf 'verifying with %s:\n' "${VALIDATION##*/}"
  code=0
  "${verify[@]}" || code=$?
  if ((code != 0)); then
    printf 'rollback done, verification failed (deployment-validation.sh exit %s)\n' "$code"
    exit "$EXIT_FAILED"
  fi
fi
printf 'rolled back deployment/%s to revision %s\n' "$deployment" "$target"
exit "$EXIT_DONE"
