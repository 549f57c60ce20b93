variable "dixie_image" {
  description = "Container repository of the Dixie image (built from deploy/Dockerfile)"
  type        = string
}

variable "dixie_image_tag" {
  description = "Image tag to run; an immutable tag (git SHA), never `latest`"
  type        = string
}

variable "aws_region" {
  description = "Region of the cluster and its log group"
  type        = string
  default     = "us-east-1"
}

variable "ecs_cluster_id" {
  description = "ECS cluster the service runs in"
  type        = string
}

variable "vpc_id" {
  description = "VPC of the service; its CIDR bounds the database, Redis and NATS egress"
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks (no public IP)"
  type        = list(string)
}

variable "alb_listener_arn" {
  description = "HTTPS listener of the shared ALB"
  type        = string
}

variable "alb_security_group_id" {
  description = "Security group of the ALB; the only ingress source of the tasks"
  type        = string
}

variable "host_header" {
  description = "Host name the listener rule routes to Dixie"
  type        = string
  default     = "dixie.thj.dev"
}

variable "efs_id" {
  description = "EFS file system holding /data (the allowlist file)"
  type        = string
}

variable "finn_service_url" {
  description = "FINN_URL: base URL of the Finn runtime inside the VPC"
  type        = string
  default     = "http://finn.freeside.local:3000"
}

variable "siwe_domains" {
  description = "DIXIE_SIWE_DOMAINS: domains a SIWE message may name"
  type        = string
  default     = "dixie.thj.dev"
}

variable "cors_origins" {
  description = "DIXIE_CORS_ORIGINS: allowed browser origins"
  type        = string
  default     = "https://dixie.thj.dev"
}

variable "redis_url" {
  description = "REDIS_URL (plain env; not a secret in this deployment)"
  type        = string
  default     = ""
}

variable "nats_url" {
  description = "NATS_URL (plain env; not a secret in this deployment)"
  type        = string
  default     = ""
}

variable "otel_exporter_otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT: the collector's OTLP/HTTP base URL (e.g. http://tempo.freeside.local:4318); empty: no spans"
  type        = string
  default     = ""
}

variable "secret_names" {
  description = "Secrets Manager names of the task's secrets"
  type = object({
    database_url    = string
    jwt_private_key = string
    admin_key       = string
    callback_secret = string
  })
  # Secrets Manager names, not secret values (checkov's entropy check cannot tell).
  default = {
    database_url    = "dixie/database-url"
    jwt_private_key = "dixie/jwt-private-key"          # checkov:skip=CKV_SECRET_6: a secret's name
    admin_key       = "dixie/admin-key"                # checkov:skip=CKV_SECRET_6: a secret's name
    callback_secret = "dixie/schedule-callback-secret" # checkov:skip=CKV_SECRET_6: a secret's name
  }
}

variable "log_retention_days" {
  description = "CloudWatch retention of the task logs"
  type        = number
  default     = 365
}

variable "desired_count" {
  description = "Tasks at rest; autoscaling moves between this and max_count"
  type        = number
  default     = 1
}

variable "max_count" {
  description = "Upper bound of autoscaling"
  type        = number
  default     = 3
}

variable "jwt_previous_key_secret_name" {
  description = "Secrets Manager name of DIXIE_JWT_PREVIOUS_KEY during a key rotation; empty when none"
  type        = string
  default     = ""
}

variable "finn_auth_token_secret_name" {
  description = "Secrets Manager name of FINN_AUTH_TOKEN, required when Finn has a bearer token configured; empty when it has none"
  type        = string
  default     = ""
}

variable "metrics_token_secret_name" {
  description = "Secrets Manager name of DIXIE_METRICS_TOKEN, the bearer token GET /metrics asks for (the ALB routes every path of the host to the task, /metrics included); empty: /metrics is open"
  type        = string
  default     = ""
}
