{{/* Names, labels and the pieces every Breakwater workload shares. */}}

{{- define "breakwater.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart> (or fullnameOverride), at most 63 characters. */}}
{{- define "breakwater.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A DNS-1123 name of at most 63 characters. A longer one is cut to 54 and given 8 characters of
its hash, so two long names that share a prefix (two chains, say) never collide.
*/}}
{{- define "breakwater.dnsName" -}}
{{- if le (len .) 63 -}}
{{- . -}}
{{- else -}}
{{- printf "%s-%s" (trunc 54 . | trimSuffix "-") (sha256sum . | trunc 8) -}}
{{- end -}}
{{- end -}}

{{/* Name of one component: <fullname>-<component>. Takes (dict "root" $ "component" "x"). */}}
{{- define "breakwater.componentName" -}}
{{- include "breakwater.dnsName" (printf "%s-%s" (include "breakwater.fullname" .root) .component) -}}
{{- end -}}

{{/* Name of one chain's objects: <fullname>-watcher-<chain>. Takes (dict "root" $ "chain" "id"). */}}
{{- define "breakwater.chainName" -}}
{{- include "breakwater.dnsName" (printf "%s-watcher-%s" (include "breakwater.fullname" .root) .chain) -}}
{{- end -}}

{{/* Selector labels; a watcher's also name its chain, so no two chains' selectors overlap. */}}
{{- define "breakwater.selectorLabels" -}}
app.kubernetes.io/name: {{ include "breakwater.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .chain }}
breakwater.io/chain: {{ .chain | quote }}
{{- end }}
{{- end -}}

{{- define "breakwater.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "breakwater.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: breakwater
{{- end -}}

{{- define "breakwater.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{ $img.repository }}@{{ $img.digest }}
{{- else -}}
{{ $img.repository }}:{{ default .Chart.AppVersion $img.tag }}
{{- end -}}
{{- end -}}

{{/* Service name of the NATS chart installed as this chart's dependency. */}}
{{- define "breakwater.natsFullname" -}}
{{- if contains "nats" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-nats" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The NATS servers (without credentials). */}}
{{- define "breakwater.natsServers" -}}
{{- if .Values.nats.enabled -}}
nats://{{ include "breakwater.natsFullname" . }}:4222
{{- else -}}
{{ .Values.externalNats.url }}
{{- end -}}
{{- end -}}

{{/*
BW_NATS_URL. With credentials, every server URL carries $(BW_NATS_USER):$(BW_NATS_PASSWORD)@,
which Kubernetes expands from the two variables defined just before it (from the Secret).
*/}}
{{- define "breakwater.natsEnv" -}}
{{- $auth := .Values.externalNats.auth -}}
{{- if and $auth.existingSecret .Values.externalNats.identities.secretPrefix -}}
{{- fail "externalNats: auth.existingSecret (one shared user) and identities.secretPrefix (one nkey identity per service) exclude each other; pick one" -}}
{{- end -}}
{{- $servers := include "breakwater.natsServers" . -}}
{{- if $auth.existingSecret }}
- name: BW_NATS_USER
  valueFrom:
    secretKeyRef: { name: {{ $auth.existingSecret | quote }}, key: {{ $auth.usernameKey | quote }} }
- name: BW_NATS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $auth.existingSecret | quote }}, key: {{ $auth.passwordKey | quote }} }
{{- $urls := list -}}
{{- range $u := splitList "," $servers -}}
{{- $parts := splitList "://" (trim $u) -}}
{{- $urls = append $urls (printf "%s://$(BW_NATS_USER):$(BW_NATS_PASSWORD)@%s" (first $parts) (last $parts)) -}}
{{- end }}
- name: BW_NATS_URL
  value: {{ join "," $urls | quote }}
{{- else }}
- name: BW_NATS_URL
  value: {{ $servers | quote }}
{{- end }}
{{- if .Values.externalNats.tls.caSecret }}
- name: NODE_EXTRA_CA_CERTS
  value: {{ printf "/etc/breakwater/nats-ca/%s" .Values.externalNats.tls.caKey | quote }}
- name: BW_NATS_TLS_CA_FILE
  value: {{ printf "/etc/breakwater/nats-ca/%s" .Values.externalNats.tls.caKey | quote }}
{{- end }}
{{- if .Values.externalNats.tls.clientSecret }}
- name: BW_NATS_TLS_CERT_FILE
  value: "/etc/breakwater/nats-client/tls.crt"
- name: BW_NATS_TLS_KEY_FILE
  value: "/etc/breakwater/nats-client/tls.key"
{{- end }}
{{- end -}}

{{/*
A service's own NATS identity (externalNats.identities): its nkey seed from the Secret
<secretPrefix>-<identity>, where the identity is watcher-<chain>, correlator or coordinator
(the names scripts/nats-auth.ts gives the seed files). Takes (dict "root" $ "identity" NAME).
*/}}
{{- define "breakwater.natsIdentitySecret" -}}
{{- printf "%s-%s" .root.Values.externalNats.identities.secretPrefix .identity | trunc 253 -}}
{{- end -}}

{{- define "breakwater.natsIdentityEnv" -}}
{{- if .root.Values.externalNats.identities.secretPrefix }}
- name: BW_NATS_SEED_FILE
  value: {{ printf "/etc/breakwater/nats-identity/%s" .root.Values.externalNats.identities.seedKey | quote }}
{{- end }}
{{- end -}}

{{- define "breakwater.natsIdentityMount" -}}
{{- if .root.Values.externalNats.identities.secretPrefix }}
- name: nats-identity
  mountPath: /etc/breakwater/nats-identity
  readOnly: true
{{- end }}
{{- end -}}

{{- define "breakwater.natsIdentityVolume" -}}
{{- $ids := .root.Values.externalNats.identities -}}
{{- if $ids.secretPrefix }}
- name: nats-identity
  secret:
    secretName: {{ include "breakwater.natsIdentitySecret" . | quote }}
    defaultMode: 0440
    items:
      - { key: {{ $ids.seedKey | quote }}, path: {{ $ids.seedKey | quote }} }
{{- end }}
{{- end -}}

{{/* Environment every service shares. Takes the root context. */}}
{{- define "breakwater.commonEnv" -}}
{{ include "breakwater.natsEnv" . | trim }}
- name: BW_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: BW_HTTP_HOST
  value: "0.0.0.0"
{{- if .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlpEndpoint | quote }}
{{- end }}
{{- end -}}

{{/* Extra settings from values (a map of BW_* names to values). */}}
{{- define "breakwater.extraEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* Volume mounts every container has: a writable /tmp, the NATS CA and client certificate when configured. */}}
{{- define "breakwater.commonMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.externalNats.tls.caSecret }}
- name: nats-ca
  mountPath: /etc/breakwater/nats-ca
  readOnly: true
{{- end }}
{{- if .Values.externalNats.tls.clientSecret }}
- name: nats-client
  mountPath: /etc/breakwater/nats-client
  readOnly: true
{{- end }}
{{- end -}}

{{/* The volumes behind breakwater.commonMounts. Each pod gets its own emptyDir. */}}
{{- define "breakwater.commonVolumes" -}}
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- if .Values.externalNats.tls.caSecret }}
- name: nats-ca
  secret:
    secretName: {{ .Values.externalNats.tls.caSecret | quote }}
    items:
      - { key: {{ .Values.externalNats.tls.caKey | quote }}, path: {{ .Values.externalNats.tls.caKey | quote }} }
{{- end }}
{{- if .Values.externalNats.tls.clientSecret }}
- name: nats-client
  secret:
    secretName: {{ .Values.externalNats.tls.clientSecret | quote }}
    defaultMode: 0440
    items:
      - { key: tls.crt, path: tls.crt }
      - { key: tls.key, path: tls.key }
{{- end }}
{{- end -}}

{{/* Probes on the service's HTTP port: /healthz (alive) and /readyz (can do its job). */}}
{{- define "breakwater.probes" -}}
startupProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 2
  failureThreshold: {{ div (default 60 .startupSeconds) 2 }}
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  timeoutSeconds: 2
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  timeoutSeconds: 2
  failureThreshold: 2
{{- end -}}

{{/* Pod-level security: never root, the runtime's default seccomp profile. */}}
{{- define "breakwater.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* Container-level security: read-only root, no privilege escalation, no capabilities. */}}
{{- define "breakwater.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  privileged: false
  capabilities: { drop: [ALL] }
{{- end -}}

{{/* Pod settings every workload shares. Takes (dict "root" $ "sa" name "w" component-values). */}}
{{- define "breakwater.podCommon" -}}
serviceAccountName: {{ .sa }}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: {{ .root.Values.terminationGracePeriodSeconds }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .w.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .w.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- include "breakwater.podSecurityContext" . | nindent 0 }}
{{- end -}}

{{/* A NetworkPolicy peer list; empty means any source. A restricted list also admits helm test pods. */}}
{{- define "breakwater.fromPeers" -}}
{{- with . }}
from:
  {{- toYaml . | nindent 2 }}
  - podSelector:
      matchLabels: { breakwater.io/helm-test: "true" }
{{- end }}
{{- end -}}

{{/* Egress every pod needs: DNS and NATS. */}}
{{- define "breakwater.baseEgress" -}}
- ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
- ports:
    - { protocol: TCP, port: {{ .Values.networkPolicy.natsPort }} }
{{- with .Values.networkPolicy.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
