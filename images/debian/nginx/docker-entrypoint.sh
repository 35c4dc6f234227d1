#!/bin/sh
# The part of the official nginx image's entrypoint that compose.yaml relies on
# (docker-entrypoint.d/20-envsubst-on-templates.sh): before Nginx starts, render every
# $NGINX_ENVSUBST_TEMPLATE_DIR/**/*.template into $NGINX_ENVSUBST_OUTPUT_DIR with envsubst,
# substituting only variables defined in the environment, so Nginx's own $host, $scheme... stay.
set -eu

render_templates() {
  template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
  suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
  output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
  filter="${NGINX_ENVSUBST_FILTER:-}"
  [ -d "$template_dir" ] || return 0
  if [ ! -w "$output_dir" ]; then
    echo "$0: error: $output_dir is not writable, so templates can not be rendered" >&2
    return 0
  fi
  # "${NAME} " for every variable in the environment (matching the filter), envsubst's SHELL-FORMAT;
  # the literal ${%s} and the word splitting are wanted, as in the official script.
  # shellcheck disable=SC2016,SC2046
  defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
  find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    mkdir -p "$(dirname "$output_path")"
    echo "$0: running envsubst on $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
  done
}

# Only when starting Nginx, as the official image does; `docker run ... nginx -t` renders too.
if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
  render_templates
fi
exec "$@"
