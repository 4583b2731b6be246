{{/*
Shared named templates. Every service folder (gateway/, api/, worker/, ui/) renders its objects
through these, with a context dict:  (dict "ctx" $ "component" "<service>")
so the four services can never drift apart.
*/}}

{{/* The chart name, overridable with nameOverride. */}}
{{- define "forge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name prefix of every object: fullnameOverride, or <release>-<chart> (or <release> when it already contains the chart name). */}}
{{- define "forge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "forge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <fullname>-<component>: the name of a service's objects. */}}
{{- define "forge.componentName" -}}
{{- printf "%s-%s" (include "forge.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select every pod of the release (name, instance). */}}
{{- define "forge.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "forge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one component: name, instance, component only (selectors are immutable). */}}
{{- define "forge.selectorLabels" -}}
{{ include "forge.releaseSelectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Standard labels of one component's objects. */}}
{{- define "forge.labels" -}}
helm.sh/chart: {{ include "forge.chart" .ctx }}
{{ include "forge.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: {{ .ctx.Values.partOf }}
{{- end }}

{{/* The ServiceAccount name a service's pods run as. */}}
{{- define "forge.serviceAccountName" -}}
{{- $svc := index .ctx.Values .component }}
{{- if $svc.serviceAccount.create }}
{{- default (include "forge.componentName" .) $svc.serviceAccount.name }}
{{- else }}
{{- default "default" $svc.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Whether a service runs at least two pods, so a PodDisruptionBudget cannot block drains. */}}
{{- define "forge.multiReplica" -}}
{{- $svc := index .ctx.Values .component }}
{{- $min := ternary $svc.autoscaling.minReplicas $svc.replicaCount $svc.autoscaling.enabled }}
{{- if ge (int $min) 2 }}true{{ end }}
{{- end }}

{{/*
The ConfigMap data of a service: the dataServices endpoints (when egress.dataServices), then
its own env (which wins on conflict). All values are strings. DATABASE_USER is set only when
dataServices.database.user is (a chart that takes the user from a secret leaves it empty), and
DATABASE_AUTH only when dataServices.database.auth is (iam or password).
*/}}
{{- define "forge.configData" -}}
{{- $svc := index .ctx.Values .component }}
{{- $data := dict }}
{{- if $svc.egress.dataServices }}
{{- with .ctx.Values.dataServices.database }}
{{- if .host }}
{{- $_ := set $data "DATABASE_HOST" .host }}
{{- $_ := set $data "DATABASE_PORT" (toString .port) }}
{{- $_ := set $data "DATABASE_NAME" .name }}
{{- if .user }}
{{- $_ := set $data "DATABASE_USER" .user }}
{{- end }}
{{- if .auth }}
{{- $_ := set $data "DATABASE_AUTH" .auth }}
{{- end }}
{{- end }}
{{- end }}
{{- with .ctx.Values.dataServices.cache }}
{{- if .host }}
{{- $_ := set $data "REDIS_HOST" .host }}
{{- $_ := set $data "REDIS_PORT" (toString .port) }}
{{- $_ := set $data "REDIS_ADDR" (printf "%s:%v" .host .port) }}
{{- $_ := set $data "REDIS_TLS" (toString .tls) }}
{{- end }}
{{- end }}
{{- with .ctx.Values.dataServices.kafka }}
{{- if .brokers }}
{{- $_ := set $data "KAFKA_BROKERS" .brokers }}
{{- $_ := set $data "KAFKA_SECURITY_PROTOCOL" .securityProtocol }}
{{- if .saslMechanism }}
{{- $_ := set $data "KAFKA_SASL_MECHANISM" .saslMechanism }}
{{- end }}
{{- if .username }}
{{- $_ := set $data "KAFKA_USERNAME" .username }}
{{- end }}
{{- $_ := set $data "KAFKA_SSL_CA_PEM" (.sslCaPem | default "") }}
{{- end }}
{{- end }}
{{- end }}
{{- range $key, $value := $svc.env }}
{{- $_ := set $data $key (toString $value) }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/*
A service's ConfigMap. Extra keys: "name" (object name), "hook" (true for the migration's
pre-install copy, which must exist before the release's regular objects).
*/}}
{{- define "forge.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" (dict "ctx" .ctx "component" .labelComponent) | nindent 4 }}
  {{- if .hook }}
  annotations:
    {{- include "forge.hookAnnotations" (dict "weight" "-10") | nindent 4 }}
  {{- end }}
data:
  {{- include "forge.configData" . | trim | nindent 2 }}
{{- end }}

{{/* Annotations of the migration's hook objects. */}}
{{- define "forge.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/* Fail on secretEnv entries that do not fit secrets.mode. */}}
{{- define "forge.checkSecretEnv" -}}
{{- $svc := index .ctx.Values .component }}
{{- $mode := .ctx.Values.secrets.mode }}
{{- if and (eq $mode "plain") (eq .ctx.Values.environment "prod") }}
{{- fail "secrets.mode: plain is refused when environment is prod; use secrets.mode: external" }}
{{- end }}
{{- range $envName, $entry := $svc.secretEnv }}
{{- if and (eq $mode "external") (not (hasKey $entry "remoteRef")) }}
{{- fail (printf "%s.secretEnv.%s: secrets.mode external needs remoteRef {key, property}" $.component $envName) }}
{{- end }}
{{- if and (eq $mode "plain") (not (hasKey $entry "value")) }}
{{- fail (printf "%s.secretEnv.%s: secrets.mode plain needs value" $.component $envName) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The secret a service's secretEnv fills: an ExternalSecret (secrets.mode external) or a plain
Secret (secrets.mode plain). Nothing when secretEnv is empty. Extra keys: "name", "hook".
*/}}
{{- define "forge.secret" -}}
{{- $svc := index .ctx.Values .component }}
{{- include "forge.checkSecretEnv" . }}
{{- if $svc.secretEnv }}
{{- if eq .ctx.Values.secrets.mode "external" }}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
{{- else }}
apiVersion: v1
kind: Secret
{{- end }}
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" (dict "ctx" .ctx "component" .labelComponent) | nindent 4 }}
  {{- if .hook }}
  annotations:
    {{- include "forge.hookAnnotations" (dict "weight" "-10") | nindent 4 }}
  {{- end }}
{{- if eq .ctx.Values.secrets.mode "external" }}
spec:
  refreshInterval: {{ .ctx.Values.secrets.refreshInterval }}
  secretStoreRef:
    kind: {{ .ctx.Values.secrets.storeRef.kind }}
    name: {{ .ctx.Values.secrets.storeRef.name }}
  target:
    name: {{ .name }}
    creationPolicy: Owner
  data:
    {{- range $envName, $entry := $svc.secretEnv }}
    - secretKey: {{ $envName }}
      remoteRef:
        key: {{ $entry.remoteRef.key | quote }}
        {{- with get $entry.remoteRef "property" }}
        property: {{ . | quote }}
        {{- end }}
    {{- end }}
{{- else }}
type: Opaque
stringData:
  {{- range $envName, $entry := $svc.secretEnv }}
  {{ $envName }}: {{ $entry.value | quote }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The probes of a serving container, from probes.type (httpGet | exec | none). */}}
{{- define "forge.probes" -}}
{{- $probes := .svc.probes }}
{{- if and (eq $probes.type "httpGet") (not .svc.port) }}
{{- fail (printf "%s.probes.type httpGet needs %s.port; use exec or none for a service with no port" .component .component) }}
{{- end }}
{{- if and (eq $probes.type "exec") (not $probes.command) }}
{{- fail (printf "%s.probes.type exec needs %s.probes.command" .component .component) }}
{{- end }}
{{- if ne $probes.type "none" }}
{{- range $kind := list "startup" "liveness" "readiness" }}
{{ $kind }}Probe:
  {{- if eq $probes.type "httpGet" }}
  httpGet:
    path: {{ $probes.path }}
    port: http
  {{- else }}
  exec:
    command:
      {{- toYaml $probes.command | nindent 6 }}
  {{- end }}
  {{- toYaml (index $probes $kind) | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The pod spec shared by the Deployments and the migration Job. Keys: ctx, component (whose
values block configures the pod), labelComponent (pod labels), containerName, configName,
secretName, serviceAccountName, command, args, serving (ports + probes), spread
(topologySpreadConstraints), restartPolicy ("" keeps the default).
*/}}
{{- define "forge.podSpec" -}}
{{- $svc := index .ctx.Values .component }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ .serviceAccountName }}
automountServiceAccountToken: {{ $svc.serviceAccount.automountToken }}
{{- with .restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml $svc.podSecurityContext | nindent 2 }}
containers:
  - name: {{ .containerName }}
    image: {{ printf "%s%s%s" $svc.image.repository (ternary "@" ":" (hasPrefix "sha256:" $svc.image.tag)) $svc.image.tag | quote }}
    imagePullPolicy: {{ $svc.image.pullPolicy }}
    {{- with .command }}
    command:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .args }}
    args:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- if and .serving $svc.port }}
    ports:
      - name: http
        containerPort: {{ $svc.port }}
        protocol: TCP
    {{- end }}
    envFrom:
      - configMapRef:
          name: {{ .configName }}
    {{- if $svc.secretEnv }}
    env:
      {{- range $envName, $_ := $svc.secretEnv }}
      - name: {{ $envName }}
        valueFrom:
          secretKeyRef:
            name: {{ $.secretName }}
            key: {{ $envName }}
      {{- end }}
    {{- end }}
    {{- if .serving }}
    {{- include "forge.probes" (dict "svc" $svc "component" .component) | trim | nindent 4 }}
    {{- end }}
    resources:
      {{- toYaml $svc.resources | nindent 6 }}
    securityContext:
      {{- toYaml $svc.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir: {}
{{- with $svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if and .spread $svc.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range $key, $when := dict "topology.kubernetes.io/zone" $svc.topologySpread.zone "kubernetes.io/hostname" $svc.topologySpread.hostname }}
  - maxSkew: {{ $svc.topologySpread.maxSkew }}
    topologyKey: {{ $key }}
    whenUnsatisfiable: {{ $when }}
    labelSelector:
      matchLabels:
        {{- include "forge.selectorLabels" (dict "ctx" $.ctx "component" $.labelComponent) | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
  {{- end }}
{{- end }}
{{- end }}

{{/*
Whether a service is released by Argo Rollouts: rollout.strategy is not rolling and the service
is behind the ALB Ingress (ingress.enabled with className alb, the service's ingress.enabled and
port): the services whose traffic the ALB can shift. "true" or "".
*/}}
{{- define "forge.progressive" -}}
{{- $svc := index .ctx.Values .component }}
{{- $v := .ctx.Values }}
{{- if and (ne $v.rollout.strategy "rolling") $svc.enabled $svc.port $svc.ingress.enabled $v.ingress.enabled (eq $v.ingress.className "alb") }}true{{ end }}
{{- end }}

{{/* The names of a progressive service's two extra Services (Argo adds each the pod-template-hash of its ReplicaSet). */}}
{{- define "forge.canaryServiceName" -}}
{{- printf "%s-canary" (include "forge.componentName" . | trunc 56 | trimSuffix "-") }}
{{- end }}
{{- define "forge.stableServiceName" -}}
{{- printf "%s-stable" (include "forge.componentName" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{/* The AnalysisTemplate every Rollout of the release runs. */}}
{{- define "forge.analysisTemplateName" -}}
{{- printf "%s-alb-health" (include "forge.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/*
The traffic steps of a progressive release: rollout.steps for canary (checked: increasing,
ending at 100), [100] for blue_green. A JSON list.
*/}}
{{- define "forge.rolloutSteps" -}}
{{- $r := .Values.rollout }}
{{- if lt (int $r.bakeMinutes) 1 }}
{{- fail (printf "rollout.bakeMinutes is %v: a %s release needs at least 1 (the analysis watches during the pauses; with none Argo would reach 100%% unwatched)" $r.bakeMinutes $r.strategy) }}
{{- end }}
{{- if eq $r.strategy "blue_green" }}
{{- list 100 | toJson }}
{{- else }}
{{- if not $r.steps }}
{{- fail "rollout.steps is empty: a canary needs traffic percentages ending at 100, e.g. [5, 50, 100]" }}
{{- end }}
{{- $prev := 0 }}
{{- range $r.steps }}
{{- if le (int .) $prev }}
{{- fail (printf "rollout.steps %v is not strictly increasing" $r.steps) }}
{{- end }}
{{- $prev = int . }}
{{- end }}
{{- if ne $prev 100 }}
{{- fail (printf "rollout.steps %v ends at %d; the last step is 100 (all traffic)" $r.steps $prev) }}
{{- end }}
{{- $r.steps | toJson }}
{{- end }}
{{- end }}

{{/* The pod template of a service's Deployment or Rollout (metadata and spec). */}}
{{- define "forge.podTemplate" -}}
{{- $svc := index .ctx.Values .component }}
{{- $name := include "forge.componentName" . }}
metadata:
  labels:
    {{- toYaml (merge (fromYaml (include "forge.labels" .)) $svc.podLabels) | nindent 4 }}
  annotations:
    checksum/config: {{ include "forge.configData" . | sha256sum }}
    checksum/secrets: {{ printf "%s|%s" (toYaml $svc.secretEnv) (toYaml .ctx.Values.secrets) | sha256sum }}
    {{- with $svc.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- include "forge.podSpec" (dict "ctx" .ctx "component" .component "labelComponent" .component "containerName" .component "configName" $name "secretName" $name "serviceAccountName" (include "forge.serviceAccountName" .) "command" $svc.command "args" $svc.args "serving" true "spread" true "restartPolicy" "") | trim | nindent 2 }}
{{- end }}

{{/* A service's Deployment, or its Rollout when it is released progressively. */}}
{{- define "forge.deployment" -}}
{{- $svc := index .ctx.Values .component }}
{{- if $svc.enabled }}
{{- if include "forge.progressive" . }}
{{- include "forge.rollout" . }}
{{- else }}
{{- $name := include "forge.componentName" . }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "forge.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 25%
  template:
    {{- include "forge.podTemplate" . | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A service's Argo Rollouts Rollout (argoproj.io/v1alpha1), the same pod template as its
Deployment would have. Fields: Argo Rollouts docs, "Canary" and "AWS Load Balancer Controller
(ALB)" traffic routing, and "Analysis" (https://argo-rollouts.readthedocs.io/en/stable/features/
canary/, .../features/traffic-management/alb/, .../features/analysis/; argoproj/argo-rollouts
docs at v1.9.x, commit 9f8d111d8f8e3e88b6d7f8bbdf62fd3cd863ef9d, read 2026-12-02):
- canaryService / stableService: two Services selecting the same pods; Argo adds each the
  pod-template-hash of its ReplicaSet. trafficRouting.alb: the Ingress, the rootService its
  path names (the service's main Service, backend port use-annotation) and servicePort; Argo
  writes the alb.ingress.kubernetes.io/actions.<rootService> annotation with the weights.
- steps: setWeight p then pause bakeMinutes for every p, 100 included: at 100% the old pods
  still run (the stable ReplicaSet stays scaled with traffic routing) and the analysis keeps
  watching for one more bake; after the last step Argo promotes the new ReplicaSet to stable
  and scales the old one down after scaleDownDelaySeconds.
- analysis: background, from step 1 (the pause after the first setWeight: by then Argo has
  verified the weight and written status.alb, whose load balancer and canary target group
  fullName fields, Argo >= 1.5 (PR #2604, commit cef5f063, first in tag v1.5.0), are the
  CloudWatch dimensions).
*/}}
{{- define "forge.rollout" -}}
{{- $svc := index .ctx.Values .component }}
{{- $r := .ctx.Values.rollout }}
{{- $name := include "forge.componentName" . }}
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {{ $name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "forge.selectorLabels" . | nindent 6 }}
  template:
    {{- include "forge.podTemplate" . | nindent 4 }}
  strategy:
    canary:
      canaryService: {{ include "forge.canaryServiceName" . }}
      stableService: {{ include "forge.stableServiceName" . }}
      # The old pods keep serving for a minute after the switch (the ALB deregisters them).
      scaleDownDelaySeconds: 60
      # After an abort the new pods go a minute after the traffic left them.
      abortScaleDownDelaySeconds: 60
      trafficRouting:
        alb:
          ingress: {{ include "forge.fullname" .ctx }}
          rootService: {{ $name }}
          servicePort: {{ $svc.service.port }}
      analysis:
        templates:
          - templateName: {{ include "forge.analysisTemplateName" .ctx }}
        startingStep: 1
        args:
          - name: load-balancer
            valueFrom:
              fieldRef:
                fieldPath: status.alb.loadBalancer.fullName
          - name: target-group
            valueFrom:
              fieldRef:
                fieldPath: status.alb.canaryTargetGroup.fullName
      steps:
        {{- range (include "forge.rolloutSteps" .ctx | fromJsonArray) }}
        - setWeight: {{ . }}
        - pause:
            duration: {{ printf "%dm" (int $r.bakeMinutes) }}
        {{- end }}
{{- end }}

{{/* A service's ConfigMap and secret (regular release objects). */}}
{{- define "forge.config" -}}
{{- $svc := index .ctx.Values .component }}
{{- if $svc.enabled }}
{{- $name := include "forge.componentName" . }}
{{- include "forge.configMap" (dict "ctx" .ctx "component" .component "labelComponent" .component "name" $name "hook" false) }}
{{- $secret := include "forge.secret" (dict "ctx" .ctx "component" .component "labelComponent" .component "name" $name "hook" false) }}
{{- if $secret }}
---
{{ $secret }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A service's ClusterIP Service (only when it has a port); a progressive service (forge.progressive)
also gets its canary and stable Services, the same Service under another name, whose selector
Argo Rollouts narrows to one ReplicaSet (the ALB sends each its share of the traffic).
*/}}
{{- define "forge.service" -}}
{{- $svc := index .ctx.Values .component }}
{{- if and $svc.enabled $svc.port }}
{{- include "forge.serviceObject" (dict "ctx" .ctx "component" .component "name" (include "forge.componentName" .)) }}
{{- if include "forge.progressive" . }}
---
{{ include "forge.serviceObject" (dict "ctx" .ctx "component" .component "name" (include "forge.canaryServiceName" .)) }}
---
{{ include "forge.serviceObject" (dict "ctx" .ctx "component" .component "name" (include "forge.stableServiceName" .)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* One ClusterIP Service of a service's pods, called .name. */}}
{{- define "forge.serviceObject" -}}
{{- $svc := index .ctx.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
  {{- /* The ALB health-checks each service's own probe path (a Service annotation overrides the Ingress's). */}}
  {{- $ing := .ctx.Values.ingress }}
  {{- if and $ing.enabled (eq $ing.className "alb") $svc.ingress.enabled (eq $svc.probes.type "httpGet") }}
  annotations:
    alb.ingress.kubernetes.io/healthcheck-path: {{ $svc.probes.path | quote }}
  {{- end }}
spec:
  type: {{ $svc.service.type }}
  selector:
    {{- include "forge.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $svc.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{/* A service's HorizontalPodAutoscaler (autoscaling.enabled). */}}
{{- define "forge.hpa" -}}
{{- $svc := index .ctx.Values .component }}
{{- if and $svc.enabled $svc.autoscaling.enabled }}
{{- if lt (int $svc.autoscaling.maxReplicas) (int $svc.autoscaling.minReplicas) }}
{{- fail (printf "%s.autoscaling.maxReplicas (%v) is below %s.autoscaling.minReplicas (%v)" .component $svc.autoscaling.maxReplicas .component $svc.autoscaling.minReplicas) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "forge.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    {{- /* A Rollout exposes /scale as a Deployment does (Argo Rollouts docs, "Horizontal Pod Autoscaling", read 2026-12-02). */}}
    {{- if include "forge.progressive" . }}
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    {{- else }}
    apiVersion: apps/v1
    kind: Deployment
    {{- end }}
    name: {{ include "forge.componentName" . }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/* A service's PodDisruptionBudget: only with pdb.enabled and at least two replicas. */}}
{{- define "forge.pdb" -}}
{{- $svc := index .ctx.Values .component }}
{{- if and $svc.enabled $svc.pdb.enabled (include "forge.multiReplica" .) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "forge.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $svc.pdb.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "forge.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/* A service's ServiceAccount (serviceAccount.create). */}}
{{- define "forge.serviceAccount" -}}
{{- $svc := index .ctx.Values .component }}
{{- if and $svc.enabled $svc.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "forge.serviceAccountName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
  {{- with $svc.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ $svc.serviceAccount.automountToken }}
{{- end }}
{{- end }}

{{/* Egress rules to the data services and cloud APIs a service's egress block asks for. */}}
{{- define "forge.externalEgress" -}}
{{- $svc := index .ctx.Values .component }}
{{- $np := .ctx.Values.networkPolicy }}
{{- if and $svc.egress.dataServices $np.dataServiceCidrs }}
- to:
    {{- range $np.dataServiceCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - protocol: TCP
      port: {{ .ctx.Values.dataServices.database.port }}
    - protocol: TCP
      port: {{ .ctx.Values.dataServices.cache.port }}
    - protocol: TCP
      port: {{ $np.kafkaPorts.from }}
      endPort: {{ $np.kafkaPorts.to }}
{{- end }}
{{- if and $svc.egress.cloudApis $np.cloudApiCidrs }}
- to:
    {{- range $np.cloudApiCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - protocol: TCP
      port: 443
{{- end }}
{{- end }}

{{/*
A service's NetworkPolicy: what it admits (when ingress.enabled: the load balancer's subnets
networkPolicy.ingressSourceCidrs and/or the ingress controller's namespace; the pods of its
allowedClients) and where it may connect (services that list it as a client,
data services, cloud APIs). DNS and the default deny are release-wide policies.
*/}}
{{- define "forge.networkPolicy" -}}
{{- $svc := index .ctx.Values .component }}
{{- $np := .ctx.Values.networkPolicy }}
{{- if and $svc.enabled $np.enabled }}
{{- $ingress := list }}
{{- if $svc.port }}
{{- if and .ctx.Values.ingress.enabled $svc.ingress.enabled }}
{{- $peers := list }}
{{- range $np.ingressSourceCidrs }}
{{- $peers = append $peers (dict "ipBlock" (dict "cidr" .)) }}
{{- end }}
{{- if $np.ingressControllerNamespace }}
{{- $peer := dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" $np.ingressControllerNamespace)) }}
{{- with $np.ingressControllerPodLabels }}
{{- $_ := set $peer "podSelector" (dict "matchLabels" .) }}
{{- end }}
{{- $peers = append $peers $peer }}
{{- end }}
{{- if $peers }}
{{- $ingress = append $ingress (dict "from" $peers "ports" (list (dict "protocol" "TCP" "port" $svc.port))) }}
{{- end }}
{{- end }}
{{- range $client := $svc.allowedClients }}
{{- if (index $.ctx.Values $client).enabled }}
{{- $selector := fromYaml (include "forge.selectorLabels" (dict "ctx" $.ctx "component" $client)) }}
{{- $ingress = append $ingress (dict "from" (list (dict "podSelector" (dict "matchLabels" $selector))) "ports" (list (dict "protocol" "TCP" "port" $svc.port))) }}
{{- end }}
{{- end }}
{{- end }}
{{- $egress := list }}
{{- range $server := list "gateway" "api" "worker" "ui" }}
{{- $target := index $.ctx.Values $server }}
{{- if and $target.enabled $target.port (has $.component $target.allowedClients) }}
{{- $selector := fromYaml (include "forge.selectorLabels" (dict "ctx" $.ctx "component" $server)) }}
{{- $egress = append $egress (dict "to" (list (dict "podSelector" (dict "matchLabels" $selector))) "ports" (list (dict "protocol" "TCP" "port" $target.port))) }}
{{- end }}
{{- end }}
{{- $external := include "forge.externalEgress" . | trim }}
{{- if $external }}
{{- $egress = concat $egress (fromYamlArray $external) }}
{{- end }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "forge.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "forge.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "forge.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- toYaml $ingress | nindent 4 }}
  egress:
    {{- toYaml $egress | nindent 4 }}
{{- end }}
{{- end }}
