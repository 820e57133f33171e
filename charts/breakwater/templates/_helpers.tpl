{{/* Names, labels and the pod spec shared by every Breakwater workload. */}}

{{- define "breakwater.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "breakwater.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component: <fullname>-<component>, truncated to 63. */}}
{{- define "breakwater.componentName" -}}
{{- printf "%s-%s" (include "breakwater.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "breakwater.selectorLabels" -}}
app.kubernetes.io/name: {{ include "breakwater.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
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

{{/* Environment every service shares. */}}
{{- define "breakwater.commonEnv" -}}
- name: BW_NATS_URL
  value: {{ .Values.nats.url | quote }}
- name: BW_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: BW_HTTP_HOST
  value: "0.0.0.0"
{{- if .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlpEndpoint | quote }}
{{- end }}
{{- end -}}

{{/* Probes on the service's HTTP port: /healthz (alive) and /readyz (can do its job). */}}
{{- define "breakwater.probes" -}}
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}

{{- define "breakwater.securityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
{{- end -}}
