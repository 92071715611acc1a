{{/*
The services of the chart: values key -> image/application name, the egress rules
(networkPolicy.egress.<name>) each needs, and the variables the well-known values provide.
*/}}
{{- define "cleargate.components" -}}
authGateway:
  name: auth-gateway
  egress: [nats, oidc]
registry:
  name: registry
  egress: [nats, postgresql]
ondemandRouter:
  name: ondemand-router
  egress: [nats, serving]
enqueueWorker:
  name: enqueue-worker
  egress: [nats, clearml]
monitor:
  name: monitor
  egress: [nats, clearml]
notifier:
  name: notifier
  egress: [nats, chat]
{{- end }}

{{- define "cleargate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name; component objects append "-<component>" (kept under 63). */}}
{{- define "cleargate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cleargate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. Argument: dict "root" $ "component" <name>. */}}
{{- define "cleargate.labels" -}}
helm.sh/chart: {{ include "cleargate.chart" .root }}
{{ include "cleargate.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: cleargate
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels. Argument: dict "root" $ "component" <name>. */}}
{{- define "cleargate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cleargate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "cleargate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cleargate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cleargate.secretName" -}}
{{- default (include "cleargate.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Image reference. Argument: dict "root" $ "svc" <service values> "name" <image name>. */}}
{{- define "cleargate.image" -}}
{{- $img := .root.Values.image }}
{{- $own := .svc.image | default dict }}
{{- $repo := $own.repository | default (printf "%s/%s" $img.repository .name) }}
{{- if and $img.registry (not $own.repository) }}
{{- $repo = printf "%s/%s" $img.registry $repo }}
{{- end }}
{{- $tag := $own.tag | default $img.tag | default .root.Chart.AppVersion }}
{{- if $own.digest }}
{{- printf "%s:%s@%s" $repo $tag $own.digest }}
{{- else }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}
{{- end }}

{{/*
An environment value as text: maps and lists become JSON, whole numbers lose the float form
YAML parsing gives them (8388608, not 8.388608e+06).
*/}}
{{- define "cleargate.envText" -}}
{{- if or (kindIs "map" .) (kindIs "slice" .) }}
{{- toJson . }}
{{- else if kindIs "float64" . }}
{{- if eq . (floor .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else if kindIs "invalid" . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/*
The env list of a container. Argument: dict "root" $ "key" <values key> "svc" <values>
"name" <component>. Plain values first (sorted), then the Secret's keys, then extraEnv; a
variable set twice stops the rendering.
*/}}
{{- define "cleargate.env" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $plain := dict "LOG_LEVEL" $v.logLevel "NATS_URL" $v.nats.url "NATS_NAMESPACE" $v.nats.namespace "OPS_HOST" "0.0.0.0" "OPS_PORT" $v.opsPort }}
{{- if $v.nats.auth }}
{{- $_ := set $plain "NATS_USER" (include "cleargate.natsUser" (dict "root" $root "name" .name)) }}
{{- else }}
{{- $_ := set $plain "NATS_ANONYMOUS" "true" }}
{{- end }}
{{- if $v.nats.tlsCaConfigMap }}
{{- $_ := set $plain "NATS_TLS_CA_FILE" "/etc/cleargate/nats-ca/ca.crt" }}
{{- end }}
{{- if $v.trustedCaConfigMap }}
{{- $_ := set $plain "NODE_EXTRA_CA_CERTS" "/etc/cleargate/trusted-ca/ca.crt" }}
{{- end }}
{{- $plain = merge (deepCopy ($v.env | default dict)) $plain }}
{{- if eq .key "authGateway" }}
{{- $_ := set $plain "HTTP_HOST" "0.0.0.0" }}
{{- $_ := set $plain "HTTP_PORT" .svc.httpPort }}
{{- with $v.oidc.issuerUrl }}{{ $_ := set $plain "OIDC_ISSUER_URL" . }}{{ end }}
{{- with $v.oidc.audiences }}{{ $_ := set $plain "OIDC_AUDIENCES" (join "," .) }}{{ end }}
{{- if $v.oidc.anyAudience }}{{ $_ := set $plain "OIDC_AUDIENCES_ANY" "true" }}{{ end }}
{{- end }}
{{- if has .key (list "registry" "ondemandRouter" "notifier") }}
{{- with $v.egress.allowedCidrs }}{{ $_ := set $plain "EGRESS_ALLOWED_CIDRS" (join "," .) }}{{ end }}
{{- end }}
{{- if or (eq .key "enqueueWorker") (eq .key "monitor") }}
{{- with $v.clearml.apiHost }}{{ $_ := set $plain "CLEARML_API_HOST" . }}{{ end }}
{{- end }}
{{- if eq .key "monitor" }}
{{- with $v.clearml.webHost }}{{ $_ := set $plain "CLEARML_WEB_HOST" . }}{{ end }}
{{- end }}
{{- if and (eq .key "notifier") $v.alertmanager.enabled }}
{{- $_ := set $plain "NOTIFIER_WEBHOOK_PORT" $v.alertmanager.webhookPort }}
{{- end }}
{{- $plain = mergeOverwrite $plain (deepCopy (.svc.env | default dict)) }}
{{- $seen := dict }}
{{- range $name, $value := $plain }}
{{- $_ := set $seen $name "env" }}
- name: {{ $name }}
  value: {{ include "cleargate.envText" $value | quote }}
{{- end }}
{{- $secretRefs := list }}
{{- range .svc.secretEnv | default list }}
{{- $secretRefs = append $secretRefs (kindIs "string" . | ternary (dict "name" .) .) }}
{{- end }}
{{- if $v.nats.auth }}
{{- $secretRefs = append $secretRefs (dict "name" "NATS_PASSWORD" "key" (include "cleargate.natsPasswordKey" .name)) }}
{{- end }}
{{- if and (eq .key "notifier") $v.alertmanager.enabled }}
{{- $secretRefs = append $secretRefs (dict "name" "NOTIFIER_ALERTMANAGER_TOKEN") }}
{{- end }}
{{- range $secretRefs }}
{{- if hasKey $seen .name }}
{{- fail (printf "%s: %s is set twice (env and secretEnv)" $.key .name) }}
{{- end }}
{{- $_ := set $seen .name "secret" }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "cleargate.secretName" $root }}
      key: {{ .key | default .name }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
{{- range .svc.extraEnv | default list }}
{{- if hasKey $seen .name }}
{{- fail (printf "%s: %s is set twice (extraEnv and %s)" $.key .name (get $seen .name)) }}
{{- end }}
{{- $_ := set $seen .name "extraEnv" }}
- {{ toYaml . | nindent 2 | trim }}
{{- end }}
{{- end }}

{{/* Probe settings of a service: chart-wide timings, overridden field by field. */}}
{{- define "cleargate.probes" -}}
{{- $probes := deepCopy .root.Values.probes }}
{{- range $kind, $override := .svc.probes | default dict }}
{{- $_ := set $probes $kind (mergeOverwrite (deepCopy (get $probes $kind | default dict)) $override) }}
{{- end }}
startupProbe:
  httpGet: { path: /health/live, port: metrics }
  {{- toYaml $probes.startup | nindent 2 }}
livenessProbe:
  httpGet: { path: /health/live, port: metrics }
  {{- toYaml $probes.liveness | nindent 2 }}
readinessProbe:
  httpGet: { path: /health/ready, port: metrics }
  {{- toYaml $probes.readiness | nindent 2 }}
{{- end }}

{{/* Secret keys a service needs that the chart-managed Secret does not have. */}}
{{- define "cleargate.missingConfig" -}}
{{- $v := .Values }}
{{- $missing := list }}
{{- $components := include "cleargate.components" . | fromYaml }}
{{- range $key, $c := $components }}
{{- $svc := get $v $key }}
{{- if $svc.enabled }}
{{- if not $v.secrets.existingSecret }}
{{- range $svc.secretEnv }}
{{- $ref := kindIs "string" . | ternary (dict "name" .) . }}
{{- if and (not $ref.optional) (not (get $v.secrets.values ($ref.key | default $ref.name))) }}
{{- $missing = append $missing (printf "secrets.values.%s (%s)" ($ref.key | default $ref.name) $c.name) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (eq $key "authGateway") (not $v.oidc.issuerUrl) (not (hasKey ($svc.env | default dict) "OIDC_ISSUER_URL")) }}
{{- $missing = append $missing "oidc.issuerUrl (auth-gateway)" }}
{{- end }}
{{- if and (eq $key "authGateway") (not $v.oidc.audiences) (not $v.oidc.anyAudience) (not (hasKey ($svc.env | default dict) "OIDC_AUDIENCES")) }}
{{- $missing = append $missing "oidc.audiences (auth-gateway)" }}
{{- end }}
{{- if and (has $key (list "enqueueWorker" "monitor")) (not $v.clearml.apiHost) (not (hasKey ($svc.env | default dict) "CLEARML_API_HOST")) }}
{{- $missing = append $missing (printf "clearml.apiHost (%s)" $c.name) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.nats.auth (not $v.secrets.existingSecret) }}
{{- range $key, $c := $components }}
{{- if (get $v $key).enabled }}
{{- $secretKey := include "cleargate.natsPasswordKey" $c.name }}
{{- if not (get $v.secrets.values $secretKey) }}
{{- $missing = append $missing (printf "secrets.values.%s (nats.auth)" $secretKey) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.alertmanager.enabled (not $v.secrets.existingSecret) (not $v.secrets.values.NOTIFIER_ALERTMANAGER_TOKEN) }}
{{- $missing = append $missing "secrets.values.NOTIFIER_ALERTMANAGER_TOKEN (alertmanager and notifier)" }}
{{- end }}
{{- if and $v.migrations.enabled $v.registry.enabled (not $v.secrets.existingSecret) (not $v.secrets.values.DATABASE_URL) }}
{{- $missing = append $missing "secrets.values.DATABASE_URL (migrations)" }}
{{- end }}
{{- toJson (uniq $missing) }}
{{- end }}

{{/*
The router's egress to serving machines when networkPolicy.egress.serving is empty: the public
address space, every range the outbound address policy refuses excepted, plus egress.allowedCidrs.
*/}}
{{- define "cleargate.servingEgress" -}}
- to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: [0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24, 192.168.0.0/16, 198.18.0.0/15, 224.0.0.0/4, 240.0.0.0/4]
    - ipBlock:
        cidr: ::/0
        except: ['::/128', '::1/128', '::ffff:0:0/96', '64:ff9b::/96', '100::/64', '2001::/23', '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'ff00::/8']
    {{- range .Values.egress.allowedCidrs }}
    - ipBlock:
        cidr: {{ if contains "/" . }}{{ . }}{{ else if contains ":" . }}{{ . }}/128{{ else }}{{ . }}/32{{ end }}
    {{- end }}
{{- end }}

{{/* A service's NATS user: its name, after "<namespace>-" (libs/messaging permissions.ts natsUserName). */}}
{{- define "cleargate.natsUser" -}}
{{- if .root.Values.nats.namespace }}{{ printf "%s-%s" .root.Values.nats.namespace .name }}{{ else }}{{ .name }}{{ end }}
{{- end }}

{{/* The Secret key of a service's NATS password: NATS_PASSWORD_<NAME> (auth-gateway → AUTH_GATEWAY). */}}
{{- define "cleargate.natsPasswordKey" -}}
{{- printf "NATS_PASSWORD_%s" (. | upper | replace "-" "_") }}
{{- end }}

{{/*
A subject or object name of nats.permissions with the namespace in place of its placeholders:
@ns. (subject prefix), @NS_ (stream and bucket prefix), @ns- (consumer prefix), @user- (user
name prefix, in inboxes).
*/}}
{{- define "cleargate.natsName" -}}
{{- $ns := .root.Values.nats.namespace }}
{{- $object := ternary (regexReplaceAll "[^A-Za-z0-9]" $ns "_" | upper) "CLEARGATE" (ne $ns "") }}
{{- .subject | replace "@user-" (ternary (printf "%s-" $ns) "" (ne $ns "")) | replace "@ns." (ternary (printf "%s." $ns) "" (ne $ns "")) | replace "@NS_" (printf "%s_" $object) | replace "@ns-" (printf "%s-" (lower $object | replace "_" "-")) }}
{{- end }}

{{/*
The volumes of the CA certificates a pod trusts (key ca.crt of each ConfigMap): the NATS
servers' (nats.tlsCaConfigMap) and the private CAs of everything else (trustedCaConfigMap).
Argument: the root context.
*/}}
{{- define "cleargate.caVolumes" -}}
{{- with .Values.nats.tlsCaConfigMap }}
# The CA of the NATS servers' certificates, for tls:// URLs (NATS_TLS_CA_FILE).
- name: nats-ca
  configMap:
    name: {{ . }}
    items: [{ key: ca.crt, path: ca.crt }]
{{- end }}
{{- with .Values.trustedCaConfigMap }}
# Private CAs trusted on top of the system's for every TLS connection (NODE_EXTRA_CA_CERTS).
- name: trusted-ca
  configMap:
    name: {{ . }}
    items: [{ key: ca.crt, path: ca.crt }]
{{- end }}
{{- end }}

{{/* Where the containers see the volumes of cleargate.caVolumes. Argument: the root context. */}}
{{- define "cleargate.caVolumeMounts" -}}
{{- if .Values.nats.tlsCaConfigMap }}
- name: nats-ca
  mountPath: /etc/cleargate/nats-ca
  readOnly: true
{{- end }}
{{- if .Values.trustedCaConfigMap }}
- name: trusted-ca
  mountPath: /etc/cleargate/trusted-ca
  readOnly: true
{{- end }}
{{- end }}
